using System.Text.Json;

namespace Payments.Preflight.Loading;

/// <summary>A template file to check, with the stack context a cloud assembly gives it.</summary>
/// <param name="Discovered">
/// Found by a directory walk or a glob rather than named: such a file is checked only if it looks like a
/// CloudFormation template, so that `preflight check .` in a repository does not report package.json.
/// </param>
/// <param name="Region">The stack's region from the assembly's `environment` (aws://account/region), when fixed.</param>
/// <param name="Account">The stack's account from the assembly's `environment`, when fixed.</param>
internal sealed record TemplateSource(string Path, string? StackName, IReadOnlyDictionary<string, string> StackTags, bool Discovered = false, string? Region = null, string? Account = null);

/// <summary>Turns the paths a user gives (files, directories, globs, cdk.out) into template files.</summary>
internal static class TemplateDiscovery
{
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();
    private static readonly string[] TemplateExtensions = [".json", ".yaml", ".yml", ".template"];

    public static List<TemplateSource> Discover(IEnumerable<string> paths, List<Finding> problems)
    {
        var sources = new List<TemplateSource>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var assemblies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (IsGlob(path))
            {
                var problemsBefore = problems.Count;
                var matches = Glob.Expand(path, problems);
                if (matches.Count == 0 && problems.Count == problemsBefore)
                {
                    problems.Add(new Finding(RuleIds.InputNotFound, Severity.Error, path, null, null, null, $"the pattern '{path}' matches no file"));
                }

                foreach (var match in matches)
                {
                    if (Path.GetFileName(match) == "manifest.json" && LooksLikeAssemblyManifest(match))
                    {
                        AddAssembly(Path.GetDirectoryName(match) ?? ".", sources, seen, problems, assemblies, []);
                    }
                    else if (seen.Add(Path.GetFullPath(match)))
                    {
                        sources.Add(new TemplateSource(match, null, NoTags, Discovered: true));
                    }
                }
            }
            else
            {
                AddPath(path, sources, seen, problems, assemblies);
            }
        }

        return sources;
    }

    public static bool IsGlob(string path) => Glob.IsPattern(path);

    private static void AddPath(string path, List<TemplateSource> sources, HashSet<string> seen, List<Finding> problems, HashSet<string> assemblies)
    {
        if (File.Exists(path))
        {
            if (Path.GetFileName(path) == "manifest.json" && LooksLikeAssemblyManifest(path))
            {
                AddAssembly(Path.GetDirectoryName(path) ?? ".", sources, seen, problems, assemblies, []);
            }
            else if (seen.Add(Path.GetFullPath(path)))
            {
                sources.Add(new TemplateSource(path, null, NoTags));
            }
        }
        else if (Directory.Exists(path))
        {
            AddDirectory(path, sources, seen, problems, assemblies, isRoot: true);
        }
        else
        {
            problems.Add(new Finding(RuleIds.InputNotFound, Severity.Error, path, null, null, null, $"'{path}' is neither a file nor a directory"));
        }
    }

    /// <summary>
    /// Walks a directory: a cloud assembly inside it (a folder with an assembly manifest.json, e.g. a project's
    /// cdk.out) is read through its manifest; dependency and hidden folders (node_modules, .git, .venv) are skipped.
    /// </summary>
    private static void AddDirectory(string directory, List<TemplateSource> sources, HashSet<string> seen, List<Finding> problems, HashSet<string> assemblies, bool isRoot)
    {
        // The directory the user named counts as an assembly by its manifest.json alone, so a corrupt manifest
        // is reported; a folder found on the walk must hold a real assembly manifest (not, say, a web app's).
        var manifest = Path.Combine(directory, "manifest.json");
        if (File.Exists(manifest) && (isRoot || LooksLikeAssemblyManifest(manifest)))
        {
            AddAssembly(directory, sources, seen, problems, assemblies, [], foundOnWalk: !isRoot);
            return;
        }

        if (!TryList(directory, Directory.EnumerateFiles, problems, out var files) || !TryList(directory, Directory.EnumerateDirectories, problems, out var children))
        {
            return;
        }

        foreach (var file in files)
        {
            if (TemplateExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) && !InputFiles.IsSpecial(InputFiles.KindOf(file)) && seen.Add(Path.GetFullPath(file)))
            {
                sources.Add(new TemplateSource(file, null, NoTags, Discovered: true));
            }
        }

        foreach (var child in children)
        {
            var name = Path.GetFileName(child);
            if (name == "node_modules" || name.StartsWith('.') || InputFiles.IsLink(child))
            {
                continue;
            }

            AddDirectory(child, sources, seen, problems, assemblies, isRoot: false);
        }
    }

    /// <summary>
    /// Lists a folder in ordinal order. One that cannot be read (no permission, a path too long) is a PF001 error, as an
    /// unreadable file is: what it holds was not checked, so a gate must not pass silently. The walk goes on without it.
    /// </summary>
    internal static bool TryList(string directory, Func<string, IEnumerable<string>> list, List<Finding> problems, out List<string> entries)
    {
        try
        {
            entries = [.. list(directory).Order(StringComparer.Ordinal)];
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            problems.Add(new Finding(RuleIds.ParseError, Severity.Error, directory, null, null, null, $"cannot read the directory: {exception.Message}"));
            entries = [];
            return false;
        }
    }

    private static bool LooksLikeAssemblyManifest(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(ReadManifest(path));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("artifacts", out var artifacts)
                && artifacts.ValueKind == JsonValueKind.Object;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or TemplateLoadException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A manifest's bytes, read only from a regular file (not a FIFO or device) within the template size limit.</summary>
    private static byte[] ReadManifest(string path)
    {
        using var stream = InputFiles.OpenRegular(path);
        if (stream.Length > LoadLimits.MaxFileBytes)
        {
            throw new TemplateLoadException(RuleIds.TemplateLimits, $"the cloud assembly manifest is {stream.Length:N0} bytes, more than the {LoadLimits.MaxFileBytes:N0} preflight reads", null);
        }

        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Reads a cloud assembly: stack artifacts give templates, nested assemblies (stages) recurse. An assembly is read
    /// once however often it is reached (named twice, or nested in two stages), by its real path; a manifest that does
    /// not have the cloud assembly's shape gets a PF001 finding at the JSON path of what is wrong, and its other
    /// artifacts are still read.
    /// </summary>
    /// <param name="assemblies">The real paths of the assemblies read so far in this run.</param>
    /// <param name="enclosing">The real paths of the assemblies this one is nested in, outermost first.</param>
    /// <param name="foundOnWalk">
    /// Found in a folder below the one named: a manifest copied without its templates (as sample repositories hold)
    /// is then a warning, not an error; a named cloud assembly that lacks a template is broken.
    /// </param>
    private static void AddAssembly(string directory, List<TemplateSource> sources, HashSet<string> seen, List<Finding> problems, HashSet<string> assemblies, IReadOnlyList<string> enclosing, bool foundOnWalk = false)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        var real = InputFiles.RealPath(directory);
        if (!assemblies.Add(real))
        {
            return;
        }

        if (enclosing.Count > 16)
        {
            problems.Add(new Finding(RuleIds.TemplateLimits, Severity.Error, manifestPath, null, null, null, "cloud assemblies nest more than 16 levels deep"));
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(ReadManifest(manifestPath));
        }
        catch (Exception exception) when (exception is JsonException or TemplateLoadException or IOException or UnauthorizedAccessException)
        {
            problems.Add(new Finding((exception as TemplateLoadException)?.RuleId ?? RuleIds.ParseError, Severity.Error, manifestPath, null, null, (exception as JsonException)?.LineNumber + 1 is long l ? (int)l : null, $"cannot read the cloud assembly manifest: {exception.Message}"));
            return;
        }

        using (document)
        {
            if (!IsValidText(document.RootElement))
            {
                problems.Add(new Finding(RuleIds.ParseError, Severity.Error, manifestPath, null, null, null, "cannot read the cloud assembly manifest: a name or string in it is not valid UTF-8 (or escapes half of a surrogate pair)"));
                return;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new Finding(RuleIds.ParseError, Severity.Error, manifestPath, null, null, null, $"cannot read the cloud assembly manifest: it is {Kind(document.RootElement)}, not an object"));
                return;
            }

            if (!document.RootElement.TryGetProperty("artifacts", out var artifacts))
            {
                return;
            }

            if (artifacts.ValueKind != JsonValueKind.Object)
            {
                Malformed("artifacts", $"artifacts must be an object, not {Kind(artifacts)}");
                return;
            }

            foreach (var artifact in artifacts.EnumerateObject())
            {
                var at = $"artifacts/{artifact.Name}";
                if (artifact.Value.ValueKind != JsonValueKind.Object)
                {
                    Malformed(at, $"the artifact must be an object, not {Kind(artifact.Value)}");
                    continue;
                }

                if (!artifact.Value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                {
                    Malformed($"{at}/type", $"the artifact's type must be a string, not {(type.ValueKind == JsonValueKind.Undefined ? "missing" : Kind(type))}");
                    continue;
                }

                switch (type.GetString())
                {
                    case "aws:cloudformation:stack":
                        if (PathProperty(artifact.Value, at, "templateFile") is not { } templateFile)
                        {
                            continue;
                        }

                        var templatePath = Path.Combine(directory, templateFile);
                        if (!seen.Add(Path.GetFullPath(templatePath)))
                        {
                            continue;
                        }

                        if (!File.Exists(templatePath))
                        {
                            problems.Add(new Finding(RuleIds.InputNotFound, foundOnWalk ? Severity.Warning : Severity.Error, manifestPath, null, $"{at}/properties/templateFile", null,
                                $"the manifest names template '{templateFile}' but the file does not exist{(foundOnWalk ? " (a cloud assembly manifest found on the directory walk without its templates; nothing of it was checked)" : string.Empty)}"));
                            continue;
                        }

                        var properties = artifact.Value.GetProperty("properties");
                        var stackName = properties.TryGetProperty("stackName", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : artifact.Name;
                        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        if (properties.TryGetProperty("tags", out var tagObject) && tagObject.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var tag in tagObject.EnumerateObject())
                            {
                                if (tag.Value.ValueKind == JsonValueKind.String)
                                {
                                    tags[tag.Name] = tag.Value.GetString()!;
                                }
                            }
                        }

                        var (account, region) = Environment(artifact.Value);
                        sources.Add(new TemplateSource(templatePath, stackName, tags, Region: region, Account: account));
                        break;
                    case "cdk:cloud-assembly":
                        if (PathProperty(artifact.Value, at, "directoryName") is not { } nested)
                        {
                            continue;
                        }

                        var nestedDirectory = Path.Combine(directory, nested);
                        if (!File.Exists(Path.Combine(nestedDirectory, "manifest.json")))
                        {
                            continue;
                        }

                        var nestedReal = InputFiles.RealPath(nestedDirectory);
                        if (nestedReal == real || enclosing.Contains(nestedReal))
                        {
                            Malformed($"{at}/properties/directoryName", $"the nested cloud assembly '{nested}' is this assembly or one that contains it (a cycle), so it is not read again");
                            continue;
                        }

                        AddAssembly(nestedDirectory, sources, seen, problems, assemblies, [.. enclosing, real], foundOnWalk);
                        break;
                }
            }
        }

        // A named assembly's malformed manifest is an error; one found on the walk may be a stale copy, so a warning.
        void Malformed(string path, string message) =>
            problems.Add(new Finding(RuleIds.ParseError, foundOnWalk ? Severity.Warning : Severity.Error, manifestPath, null, path, null, $"the cloud assembly manifest is malformed at {path}: {message}"));

        // A stack's templateFile or a stage's directoryName: a string that can be a path, or a finding and null.
        string? PathProperty(JsonElement artifact, string at, string property)
        {
            if (!artifact.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            {
                Malformed($"{at}/properties", $"the artifact needs properties with {property}");
                return null;
            }

            if (!properties.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
            {
                Malformed($"{at}/properties/{property}", $"{property} must be a string, not {(value.ValueKind == JsonValueKind.Undefined ? "missing" : Kind(value))}");
                return null;
            }

            var text = value.GetString()!;
            if (text.Contains('\0', StringComparison.Ordinal))
            {
                Malformed($"{at}/properties/{property}", $"{property} '{text.Replace("\0", "\\u0000", StringComparison.Ordinal)}' holds a NUL character, which no path can");
                return null;
            }

            return text;
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>
    /// Whether every name and string in a manifest decodes. JsonDocument checks UTF-8 and escapes only when a value is
    /// read, so invalid UTF-8 or an escaped lone surrogate is found here rather than thrown from the middle of reading.
    /// </summary>
    private static bool IsValidText(JsonElement element)
    {
        try
        {
            Visit(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static void Visit(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Visit(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Visit(item);
                    }

                    break;
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
            }
        }
    }

    /// <summary>The account and region of a stack artifact's `environment` (aws://ACCOUNT/REGION); "unknown-…" is null.</summary>
    private static (string? Account, string? Region) Environment(JsonElement artifact)
    {
        if (!artifact.TryGetProperty("environment", out var environment) || environment.ValueKind != JsonValueKind.String
            || environment.GetString() is not { } text || !text.StartsWith("aws://", StringComparison.Ordinal))
        {
            return (null, null);
        }

        var parts = text["aws://".Length..].Split('/');
        if (parts.Length != 2)
        {
            return (null, null);
        }

        return (parts[0] is "unknown-account" or "" ? null : parts[0], parts[1] is "unknown-region" or "" ? null : parts[1]);
    }
}
