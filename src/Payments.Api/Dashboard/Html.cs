using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Payments.Api.Dashboard;

/// <summary>
/// A fragment of HTML. Built only from interpolated strings (<see cref="HtmlHandler"/>): the literal
/// parts are markup, every value put into a hole is HTML-encoded unless it is itself an
/// <see cref="Html"/>. So what a merchant wrote (descriptions, metadata) can only ever become text.
/// </summary>
public sealed class Html
{
    private Html(string value) => Value = value;

    public static Html Empty { get; } = new(string.Empty);

    public string Value { get; }

#pragma warning disable CA1045 // The handler is passed by reference: that is how the compiler builds an interpolated string.
    public static Html Of(ref HtmlHandler handler) => new(handler.ToStringAndClear());
#pragma warning restore CA1045

    public static Html Join(IEnumerable<Html> parts) => new(string.Concat(parts.Select(p => p.Value)));

    public static Html When(bool condition, Func<Html> part) => condition ? part() : Empty;

    public override string ToString() => Value;
}

[InterpolatedStringHandler]
public ref struct HtmlHandler
{
    private readonly StringBuilder builder;

    public HtmlHandler(int literalLength, int formattedCount)
    {
        builder = new StringBuilder(literalLength + formattedCount * 16);
    }

    public readonly void AppendLiteral(string value) => builder.Append(value);

    public readonly void AppendFormatted<T>(T value)
    {
        switch (value)
        {
            case Html html:
                builder.Append(html.Value);
                break;
            case IEnumerable<Html> parts:
                foreach (var part in parts)
                {
                    builder.Append(part.Value);
                }

                break;
            default:
                builder.Append(HtmlEncoder.Default.Encode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty));
                break;
        }
    }

    public readonly string ToStringAndClear()
    {
        var value = builder.ToString();
        builder.Clear();
        return value;
    }
}
