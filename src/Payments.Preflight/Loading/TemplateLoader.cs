using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Payments.Preflight.Model;

namespace Payments.Preflight.Loading;

/// <summary>Reads one template file into a <see cref="Template"/>, or explains why it cannot.</summary>
internal static class TemplateLoader
{
    public static Template Load(TemplateSource source)
    {
        using var stream = InputFiles.OpenRegular(source.Path);
        if (stream.Length > LoadLimits.MaxFileBytes)
        {
            throw new TemplateLoadException(RuleIds.TemplateLimits, $"the file is {stream.Length:N0} bytes, more than the {LoadLimits.MaxFileBytes:N0} preflight reads (CloudFormation accepts at most 1 MB)", null);
        }

        // The bytes are needed only while parsing (the tree copies what it keeps): one pooled buffer serves every file.
        var length = (int)stream.Length;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            stream.ReadExactly(buffer, 0, length);
            var template = FromBytes(source.Path, buffer.AsSpan(0, length), source.StackName, source.StackTags);
            template.Region = source.Region;
            template.Account = source.Account;
            return template;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses a template's bytes (a file's, or text synthesized in-process).</summary>
    public static Template FromBytes(string path, ReadOnlySpan<byte> bytes, string? stackName, IReadOnlyDictionary<string, string> stackTags)
    {
        var root = Parse(path, bytes);
        PreprocessorSource.ThrowIfRain(root, bytes);
        return root is MappingNode map
            ? new Template(path, map, stackName, stackTags) { Bytes = bytes.Length }
            : throw new TemplateLoadException(RuleIds.ParseError, "a template must be a mapping (an object) at the top level", root.Line, parsed: true);
    }

    public static Node Parse(string path, ReadOnlySpan<byte> bytes)
    {
        if (WideEncoding(bytes) is { } encoding)
        {
            throw new TemplateLoadException(RuleIds.ParseError, $"the file is {encoding} text, not UTF-8; CloudFormation reads templates as UTF-8: save it as UTF-8", 1);
        }

        if (!Utf8.IsValid(bytes))
        {
            throw new TemplateLoadException(RuleIds.ParseError, "the file is not UTF-8 text (the first byte that is not UTF-8 is on this line); CloudFormation reads templates as UTF-8", new LineTable(bytes).LineOf(FirstInvalidUtf8(bytes)));
        }

        var extension = Path.GetExtension(path);
        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase) || (!extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".yml", StringComparison.OrdinalIgnoreCase) && StartsWithBrace(bytes)))
        {
            return JsonTemplateParser.Parse(bytes);
        }

        return YamlTemplateParser.Parse(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'));
    }

    /// <summary>
    /// UTF-16 or UTF-32, by the byte order mark or, without one, by the zero bytes beside the first character (a
    /// template starts with an ASCII one), so that the finding names the encoding rather than the first byte a parser
    /// trips on (UTF-16 without a mark is even valid UTF-8, full of NULs).
    /// </summary>
    private static string? WideEncoding(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0xFF, 0xFE, 0, 0, ..] or [0, 0, 0xFE, 0xFF, ..] or [> 0 and < 0x80, 0, 0, 0, ..] or [0, 0, 0, > 0 and < 0x80, ..] => "UTF-32",
        [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..] or [> 0 and < 0x80, 0, ..] or [0, > 0 and < 0x80, ..] => "UTF-16",
        _ => null,
    };

    /// <summary>The offset of the first byte sequence in <paramref name="bytes"/> that is not UTF-8.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[1024];
        var offset = 0;
        while (true)
        {
            var status = Utf8.ToUtf16(bytes[offset..], chars, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                return offset;
            }
        }
    }

    /// <summary>
    /// Whether a file found by a directory walk or glob is a template: a mapping with `Resources` or
    /// `AWSTemplateFormatVersion` at its top level. A `Transform` alone is not enough (a package.json can carry one);
    /// lists, test events and other JSON/YAML are skipped.
    /// </summary>
    public static bool IsCloudFormation(MappingNode root) =>
        root["Resources"] is not null || root["AWSTemplateFormatVersion"] is not null;

    /// <summary>
    /// Whether an unparseable file found by a directory walk was meant as a template (then its parse error is
    /// reported): it names the format version, or has a `Resources` key at the top level (a line starting
    /// `Resources:` in YAML, a `"Resources"` key in JSON). A broken package.json or a test event is not our business.
    /// Only as much text as preflight would parse is read (<see cref="LoadLimits.MaxFileBytes"/>), a piece at a time:
    /// a file too large to check (PF002) is reported if its beginning is a template's and skipped otherwise, whatever
    /// its size, and a data file of gigabytes beside the templates costs one bounded read.
    /// </summary>
    public static bool MentionsCloudFormation(string path)
    {
        string[] markers = ["AWSTemplateFormatVersion", "\nResources:", "\"Resources\""];
        var overlap = markers.Max(m => m.Length) - 1;
        try
        {
            using var reader = new StreamReader(InputFiles.OpenRegular(path), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var buffer = new char[64 * 1024];
            // A line break before the text, so that `Resources:` on the first line is found as on any other; the tail of
            // each piece is kept, so that a marker split between two pieces is found too.
            var carry = "\n";
            long read = 0;
            int count;
            while (read < LoadLimits.MaxFileBytes && (count = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                read += count;
                var text = string.Concat(carry.AsSpan(), buffer.AsSpan(0, count));
                if (markers.Any(marker => text.Contains(marker, StringComparison.Ordinal)))
                {
                    return true;
                }

                carry = text[Math.Max(0, text.Length - overlap)..];
            }

            return false;
        }
        catch (Exception exception) when (exception is TemplateLoadException or IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool StartsWithBrace(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
            {
                continue;
            }

            return b == (byte)'{';
        }

        return false;
    }
}
