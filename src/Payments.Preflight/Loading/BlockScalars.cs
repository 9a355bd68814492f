using System.Text;

namespace Payments.Preflight.Loading;

/// <summary>
/// Works around a YamlDotNet bug: a literal or folded block scalar whose leading lines hold only spaces, fewer
/// than the content's indentation, is valid YAML (CloudFormation reads it) but YamlDotNet rejects it with "found
/// extra spaces in first line". Such lines are empty lines of the scalar either way, so blanking them keeps the
/// value and every line number.
/// </summary>
internal static class BlockScalars
{
    public static string BlankLeadingLines(string text)
    {
        StringBuilder? result = null;
        var position = 0;
        var copied = 0;
        while (position < text.Length)
        {
            var end = LineEnd(text, position);
            if (!IsBlockHeader(text, position, end))
            {
                position = Next(text, end);
                continue;
            }

            var headerIndent = Indent(text, position, end);
            var first = Next(text, end);
            var content = first;
            while (content < text.Length && IsBlank(text, content, LineEnd(text, content)))
            {
                content = Next(text, LineEnd(text, content));
            }

            if (content >= text.Length)
            {
                break;
            }

            var contentIndent = Indent(text, content, LineEnd(text, content));
            if (contentIndent > headerIndent)
            {
                for (var line = first; line < content; line = Next(text, LineEnd(text, line)))
                {
                    var lineEnd = LineEnd(text, line);
                    if (lineEnd > line && lineEnd - line < contentIndent)
                    {
                        result ??= new StringBuilder(text.Length);
                        result.Append(text, copied, line - copied);
                        copied = lineEnd;
                    }
                }

                // Skip the scalar's content: nothing inside it is a header.
                position = content;
                while (position < text.Length)
                {
                    var lineEnd = LineEnd(text, position);
                    if (!IsBlank(text, position, lineEnd) && Indent(text, position, lineEnd) < contentIndent)
                    {
                        break;
                    }

                    position = Next(text, lineEnd);
                }
            }
            else
            {
                position = first;
            }
        }

        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>A line ending in a block scalar indicator without an explicit indentation: `key: |`, `- >-`, `key: !Sub |`.</summary>
    private static bool IsBlockHeader(string text, int start, int end)
    {
        var last = end - 1;
        while (last >= start && text[last] is ' ' or '\t' or '\r')
        {
            last--;
        }

        if (last >= start && text[last] is '+' or '-')
        {
            last--;
        }

        if (last < start + 1 || text[last] is not ('|' or '>') || text[last - 1] is not (' ' or '\t'))
        {
            return false;
        }

        // What precedes the indicator: a key's colon, a sequence dash, or a tag after one of them.
        var before = last - 1;
        while (before >= start && text[before] is ' ' or '\t')
        {
            before--;
        }

        if (before >= start && text[before] != ':' && text[before] != '-')
        {
            var tagStart = before;
            while (tagStart >= start && text[tagStart] is not (' ' or '\t'))
            {
                tagStart--;
            }

            if (text[tagStart + 1] != '!')
            {
                return false;
            }

            before = tagStart;
            while (before >= start && text[before] is ' ' or '\t')
            {
                before--;
            }
        }

        return before < start || text[before] is ':' or '-';
    }

    private static int LineEnd(string text, int start)
    {
        var newline = text.IndexOf('\n', start);
        var end = newline < 0 ? text.Length : newline;
        return end > start && text[end - 1] == '\r' ? end - 1 : end;
    }

    private static int Next(string text, int lineEnd)
    {
        var newline = text.IndexOf('\n', lineEnd);
        return newline < 0 ? text.Length : newline + 1;
    }

    private static bool IsBlank(string text, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (text[i] != ' ')
            {
                return false;
            }
        }

        return true;
    }

    private static int Indent(string text, int start, int end)
    {
        var i = start;
        while (i < end && text[i] == ' ')
        {
            i++;
        }

        return i - start;
    }
}
