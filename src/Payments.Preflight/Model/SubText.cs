namespace Payments.Preflight.Model;

/// <summary>A <c>${…}</c> placeholder of an Fn::Sub string: where it starts, where it ends (exclusive), and the name between the braces.</summary>
internal readonly record struct SubPlaceholder(int Start, int End, string Name)
{
    /// <summary>A <c>${!Literal}</c>: CloudFormation writes <c>${Literal}</c> instead of substituting a value.</summary>
    public bool IsLiteral => Name.StartsWith('!');
}

/// <summary>How every reader of Fn::Sub strings (the resolvers, PF014/PF015) finds their placeholders.</summary>
internal static class SubText
{
    /// <summary>
    /// The placeholders of an Fn::Sub string, left to right. Each runs from a <c>${</c> to the first <c>}</c> after it, so
    /// a name may hold <c>${</c> (<c>${a${b}</c> names <c>a${b</c>). A <c>${</c> with no <c>}</c> after it is plain text.
    /// </summary>
    public static IEnumerable<SubPlaceholder> Placeholders(string text)
    {
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("${", position, StringComparison.Ordinal);
            if (open < 0)
            {
                yield break;
            }

            // Without a '}' after this "${" there is none after any later one either: stopping here reads each
            // character once, where a search from every "${" (a regex such as \$\{[^}]*\}) reads a string of
            // unclosed "${" once per "${".
            var close = text.IndexOf('}', open + 2);
            if (close < 0)
            {
                yield break;
            }

            yield return new SubPlaceholder(open, close + 1, text[(open + 2)..close]);
            position = close + 1;
        }
    }
}
