namespace Payments.Preflight.Loading;

/// <summary>
/// Quoted globs: `*` and `?` match within one path segment, and a `**` segment matches any number of folders (as bash's
/// globstar). Expansion reads only the folders the pattern can reach: `dir/*.yaml` lists one folder, and only `**`
/// descends, never through a symbolic link (as the directory walk). A link matched by `*` or named literally is
/// followed, and each real folder is read once per place in the pattern, so a link loop cannot make expansion endless.
/// </summary>
internal static class Glob
{
    public static bool IsPattern(string path) => path.IndexOfAny(['*', '?']) >= 0;

    /// <summary>
    /// The files a pattern matches, in ordinal order, relative to its longest directory prefix without wildcards.
    /// A folder that cannot be listed on the way is a PF001 finding in <paramref name="problems"/>.
    /// </summary>
    public static List<string> Expand(string pattern, List<Finding> problems)
    {
        var segments = pattern.Replace('\\', '/').Split('/');
        var firstWild = Array.FindIndex(segments, IsPattern);
        var baseDirectory = firstWild == 0 ? "." : string.Join('/', segments[..firstWild]);
        if (baseDirectory.Length == 0)
        {
            baseDirectory = "/";
        }

        if (!Directory.Exists(baseDirectory))
        {
            return [];
        }

        var rest = Normalize(segments[firstWild..]);
        var matches = new SortedSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<(string RealDirectory, int Index)>();
        var pending = new Stack<(string Directory, string Real, int Index)>();
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        pending.Push((baseDirectory, InputFiles.RealPath(baseDirectory), 0));
        while (pending.TryPop(out var state))
        {
            var (directory, real, index) = state;
            if (!visited.Add((real, index)))
            {
                continue;
            }

            var segment = rest[index];
            var last = index == rest.Count - 1;
            if (segment == "**")
            {
                // No folder at all, or one more folder and `**` again.
                pending.Push((directory, real, index + 1));
                if (TryList(directory, Directory.EnumerateDirectories, out var children))
                {
                    foreach (var child in children.Where(c => !InputFiles.IsLink(c)))
                    {
                        pending.Push((child, Path.Join(real, Path.GetFileName(child)), index));
                    }
                }
            }
            else if (!IsPattern(segment))
            {
                var path = Path.Join(directory, segment);
                if (last && File.Exists(path) && !InputFiles.IsSpecial(InputFiles.KindOf(path)))
                {
                    matches.Add(path);
                }
                else if (!last && Directory.Exists(path))
                {
                    pending.Push((path, segment == ".." ? Path.GetDirectoryName(real) ?? real : RealChild(real, path), index + 1));
                }
            }
            else if (last)
            {
                if (TryList(directory, Directory.EnumerateFiles, out var files))
                {
                    matches.UnionWith(files.Where(f => Matches(Path.GetFileName(f), segment) && !InputFiles.IsSpecial(InputFiles.KindOf(f))));
                }
            }
            else if (TryList(directory, Directory.EnumerateDirectories, out var children))
            {
                foreach (var child in children.Where(c => Matches(Path.GetFileName(c), segment)))
                {
                    pending.Push((child, RealChild(real, child), index + 1));
                }
            }
        }

        return [.. matches];

        // A folder that cannot be read is reported once, though `**` would list it for its folders and its files.
        bool TryList(string directory, Func<string, IEnumerable<string>> list, out List<string> entries)
        {
            if (!unreadable.Contains(directory) && TemplateDiscovery.TryList(directory, list, problems, out entries))
            {
                return true;
            }

            unreadable.Add(directory);
            entries = [];
            return false;
        }
    }

    /// <summary>Whether a file name matches one segment of a pattern (`*` any run of characters, `?` one character).</summary>
    public static bool Matches(string name, string pattern)
    {
        // Greedy with one backtrack point (the last `*`): time is bounded by the product of the lengths.
        int n = 0, p = 0, star = -1, starName = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                n++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starName = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++starName;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// The segments after the base folder without empty and `.` ones; consecutive `**` are one (they match the same
    /// paths), and a trailing `**` means every file below.
    /// </summary>
    private static List<string> Normalize(string[] segments)
    {
        var result = new List<string>();
        foreach (var segment in segments.Where(s => s is not ("" or ".")))
        {
            if (segment != "**" || result.Count == 0 || result[^1] != "**")
            {
                result.Add(segment);
            }
        }

        if (result[^1] == "**")
        {
            result.Add("*");
        }

        return result;
    }

    private static string RealChild(string parentReal, string child) =>
        InputFiles.IsLink(child) ? InputFiles.RealPath(child) : Path.Join(parentReal, Path.GetFileName(child));
}
