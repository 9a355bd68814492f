namespace Payments.Preflight.Rules;

/// <summary>
/// How findings and reports show text a template supplies (a value, a name, a logical ID): whole when it is short,
/// else its beginning and its end around "…". A template can hold a value of megabytes; quoted whole, it would make
/// each finding about it as large as the template.
/// </summary>
internal static class Excerpt
{
    /// <summary>A quoted value: every valid logical ID (at most 255 characters) and nearly every name and ARN shows whole.</summary>
    public const int MaxValue = 256;

    /// <summary>A whole message or property path: several times the longest one a rule writes about real templates.</summary>
    public const int MaxMessage = 4096;

    /// <summary><paramref name="text"/> if it has at most <paramref name="max"/> characters, else that many: its start, "…", its end.</summary>
    public static string Of(string text, int max = MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 8);
        if (text.Length <= max)
        {
            return text;
        }

        var tail = max / 4;
        var head = max - tail - 1;
        // A surrogate pair stays whole: half of one is not text, and JSON writers refuse it.
        if (char.IsHighSurrogate(text[head - 1]))
        {
            head--;
        }

        if (char.IsLowSurrogate(text[^tail]))
        {
            tail--;
        }

        return string.Concat(text.AsSpan(0, head), "…", text.AsSpan(text.Length - tail));
    }
}
