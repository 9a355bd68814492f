namespace Payments.TestSupport;

/// <summary>
/// Waits for a condition that another process or background work makes true. The one place a test
/// polls; tests that control the time use a fake clock or a signal instead.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="timeout"/> has passed without it.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(Interval).ConfigureAwait(false);
        }

        return true;
    }
}
