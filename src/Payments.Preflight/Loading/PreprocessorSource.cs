using Payments.Preflight.Model;

namespace Payments.Preflight.Loading;

/// <summary>
/// Sources of a template pre-processor rather than templates: rain's `!Rain::Embed`, `!Rain::Module`, `!Rain::S3`
/// tags and `Rain::*` keys (their JSON form). CloudFormation cannot read them; `rain pkg` turns them into a template.
/// One finding for the file, instead of a parse error or a cascade of structure errors.
/// </summary>
internal static class PreprocessorSource
{
    public static TemplateLoadException Rain(string construct, int? line) =>
        new(RuleIds.PreprocessorSource, $"this is a rain source, not a CloudFormation template: it uses {construct}, which only `rain pkg` understands. Package it with `rain pkg` first and check the output.", line);

    /// <summary>Throws when the parsed tree holds a `Rain::*` key (looked for only when the text mentions one).</summary>
    public static void ThrowIfRain(Node root, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOf("Rain::"u8) < 0)
        {
            return;
        }

        if (FindRainKey(root, 0) is { } found)
        {
            throw Rain(found.Key, found.Line);
        }
    }

    private static (string Key, int Line)? FindRainKey(Node node, int depth)
    {
        if (depth > LoadLimits.MaxDepth)
        {
            return null;
        }

        switch (node)
        {
            case MappingNode map:
                foreach (var (key, value) in map.Entries)
                {
                    if (key.StartsWith("Rain::", StringComparison.Ordinal))
                    {
                        return (key, map.KeyLine(key));
                    }

                    if (FindRainKey(value, depth + 1) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case SequenceNode sequence:
                foreach (var item in sequence.Items)
                {
                    if (FindRainKey(item, depth + 1) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
