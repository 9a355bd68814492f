using System.Runtime.CompilerServices;

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

    /// <summary>Waits like <see cref="UntilAsync"/> and fails the test, naming the condition, once the deadline passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        if (!await UntilAsync(condition, timeout).ConfigureAwait(false))
        {
            throw new TimeoutException($"not reached within {timeout.TotalSeconds} s: {what}");
        }
    }

    /// <inheritdoc cref="EventuallyAsync(Func{Task{bool}}, TimeSpan, string?)"/>
    public static Task EventuallyAsync(Func<bool> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return EventuallyAsync(() => Task.FromResult(condition()), timeout, what);
    }
}
