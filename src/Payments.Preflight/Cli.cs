using Payments.Preflight.Output;
using Payments.Preflight.Rules;

namespace Payments.Preflight;

/// <summary>The command line: `preflight check PATH... [options]`, `preflight rules`, `preflight docs DIR`.</summary>
internal static class Cli
{
    /// <summary>
    /// A usage error (unknown option, missing path, …): 64 as sysexits' EX_USAGE, outside the finding bit flags
    /// (2, 4, 8, at most 14 OR-ed), so CI can tell a typo in its command line from a failing template.
    /// </summary>
    public const int UsageExitCode = 64;

    /// <summary>
    /// The report or the docs pages could not be written (a directory given as --output, no permission, no such
    /// parent): 73 as sysexits' EX_CANTCREAT, also outside the finding bit flags. The check itself ran.
    /// </summary>
    public const int CannotWriteExitCode = 73;

    private const string Usage = """
        usage: preflight check PATH... [--format text|json|sarif] [--include PREFIX[,PREFIX]] [--ignore PREFIX[,PREFIX]]
                                       [--environment NAME] [--today YYYY-MM-DD] [--output FILE]
                                       [--non-zero-exit-code error|warning|info|none] [--docs-base-url URL]
               preflight access PATH... [--answer allowed|refused|unknown]
                                          every call the permission-flow rules evaluate, with its answer
               preflight rules            list the rules
               preflight docs DIR         write docs/rules/<ID>.md pages

        PATH is a CloudFormation template (JSON or YAML), a directory, a glob (quote it), or a CDK cloud
        assembly (cdk.out, nested stage assemblies included).
        Exit code: bit flags 2 = error, 4 = warning, 8 = info findings; 0 = clean. Usage errors exit 64;
        an --output file or docs DIR that cannot be written, 73.
        --non-zero-exit-code (as cfn-lint): the lowest severity that sets its bit (default info).
        --docs-base-url (or PREFLIGHT_DOCS_BASE_URL): where the repository's files are browsed, e.g.
        https://github.com/ORG/REPO/blob/main/; SARIF links each rule to its docs/rules/<ID>.md there.
        """;

    /// <summary>The environment variable that sets the docs base URL when --docs-base-url is not given.</summary>
    public const string DocsBaseUrlVariable = "PREFLIGHT_DOCS_BASE_URL";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? UsageExitCode : 0;
        }

        return args[0] switch
        {
            "check" => Check(args[1..], stdout, stderr),
            "access" => Access(args[1..], stdout, stderr),
            "rules" when args.Length == 1 => ListRules(stdout),
            "rules" => UsageError(stderr, "rules takes no arguments"),
            "docs" when args.Length == 2 => WriteDocs(args[1], stdout, stderr),
            "docs" => UsageError(stderr, "docs needs exactly one DIR"),
            "--version" => Print(stdout, typeof(Cli).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"),
            _ => UsageError(stderr, $"unknown command '{args[0]}'"),
        };
    }

    private static int Print(TextWriter writer, string text)
    {
        writer.WriteLine(text);
        return 0;
    }

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"preflight: {message}");
        stderr.WriteLine(Usage);
        return UsageExitCode;
    }

    private static int Check(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var paths = new List<string>();
        var include = new List<string>();
        var ignore = new List<string>();
        var format = OutputFormat.Text;
        string? environment = null;
        string? outputFile = null;
        DateOnly? today = null;
        var exitThreshold = Severity.Info;
        var exitNever = false;
        var docsBaseUrl = Environment.GetEnvironmentVariable(DocsBaseUrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                if (arg == "--")
                {
                    paths.AddRange(args[(i + 1)..]);
                    break;
                }

                paths.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            string? value = equals > 0 ? arg[(equals + 1)..] : null;
            if (name is "--format" or "--include" or "--ignore" or "--environment" or "--today" or "--output" or "--non-zero-exit-code" or "--docs-base-url" && value is null)
            {
                if (i + 1 >= args.Length)
                {
                    return UsageError(stderr, $"{name} needs a value");
                }

                value = args[++i];
            }

            switch (name)
            {
                case "--format":
                    switch (value!.ToLowerInvariant())
                    {
                        case "text": format = OutputFormat.Text; break;
                        case "json": format = OutputFormat.Json; break;
                        case "sarif": format = OutputFormat.Sarif; break;
                        default: return UsageError(stderr, $"unknown format '{value}' (text, json or sarif)");
                    }

                    break;
                case "--include":
                    include.AddRange(SplitPrefixes(value!));
                    break;
                case "--ignore":
                    ignore.AddRange(SplitPrefixes(value!));
                    break;
                case "--environment":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        return UsageError(stderr, "--environment needs a name");
                    }

                    environment = value;
                    break;
                case "--today":
                    if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed))
                    {
                        return UsageError(stderr, $"--today must be YYYY-MM-DD, not '{value}'");
                    }

                    today = parsed;
                    break;
                case "--output":
                    outputFile = value;
                    break;
                case "--docs-base-url":
                    docsBaseUrl = value;
                    break;
                case "--non-zero-exit-code":
                    switch (value!.ToLowerInvariant())
                    {
                        case "error": exitThreshold = Severity.Error; break;
                        case "warning": exitThreshold = Severity.Warning; break;
                        case "info" or "informational": exitThreshold = Severity.Info; break;
                        case "none": exitNever = true; break;
                        default: return UsageError(stderr, $"--non-zero-exit-code must be error, warning, info or none, not '{value}'");
                    }

                    break;
                default:
                    return UsageError(stderr, $"unknown option '{arg}'");
            }
        }

        if (paths.Count == 0)
        {
            return UsageError(stderr, "check needs at least one PATH");
        }

        Uri? docsBase = null;
        if (docsBaseUrl is not null && (docsBase = ReportWriter.ParseDocsBaseUrl(docsBaseUrl, out var problem)) is null)
        {
            return UsageError(stderr, problem!);
        }

        var missing = paths.Where(p => !Loading.TemplateDiscovery.IsGlob(p) && !File.Exists(p) && !Directory.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            return UsageError(stderr, $"no such file or directory: {string.Join(", ", missing)}");
        }

        var known = RuleCatalog.AllDescriptors.Select(d => d.Id).ToList();
        var unknownPrefix = include.Concat(ignore).FirstOrDefault(p => !known.Any(id => id.StartsWith(p, StringComparison.OrdinalIgnoreCase)));
        if (unknownPrefix is not null)
        {
            return UsageError(stderr, $"'{unknownPrefix}' matches no rule ID (see `preflight rules`)");
        }

        var report = PreflightEngine.Check(paths, new PreflightOptions { Environment = environment, Include = include, Ignore = ignore, Today = today });
        var text = ReportWriter.Write(report, format, docsBase);
        if (outputFile is null)
        {
            stdout.Write(text);
        }
        else if (!TryWrite(stderr, outputFile, () => File.WriteAllText(outputFile, text)))
        {
            return CannotWriteExitCode;
        }

        return exitNever ? 0 : ExitCode(report, exitThreshold);
    }

    /// <summary>Bit flags of the severities found, counting only those at least as severe as the threshold.</summary>
    public static int ExitCode(PreflightReport report, Severity threshold = Severity.Info)
    {
        var code = 0;
        foreach (var finding in report.Findings.Where(f => f.Severity <= threshold))
        {
            code |= finding.Severity switch
            {
                Severity.Error => 2,
                Severity.Warning => 4,
                _ => 8,
            };
        }

        return code;
    }

    /// <summary>Lists the permission-flow calls and answers, then a count per rule and answer.</summary>
    private static int Access(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var paths = new List<string>();
        string? answer = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--answer" && i + 1 < args.Length)
            {
                answer = args[++i].ToLowerInvariant();
                if (answer is not ("allowed" or "refused" or "unknown"))
                {
                    return UsageError(stderr, $"unknown answer '{answer}'");
                }
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return UsageError(stderr, $"unknown option '{args[i]}'");
            }
            else
            {
                paths.Add(args[i]);
            }
        }

        if (paths.Count == 0)
        {
            return UsageError(stderr, "access needs at least one PATH");
        }

        var missing = paths.Where(p => !Loading.TemplateDiscovery.IsGlob(p) && !File.Exists(p) && !Directory.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            return UsageError(stderr, $"no such file or directory: {string.Join(", ", missing)}");
        }

        var flowRules = RuleCatalog.Rules.Select(r => r.Descriptor.Id).Where(id => string.CompareOrdinal(id, RuleIds.TaskExecutionRoleAccess) >= 0 && string.CompareOrdinal(id, RuleIds.ReleasePullAccess) <= 0).ToList();
        var report = PreflightEngine.Check(paths, new PreflightOptions { Include = flowRules });
        foreach (var check in report.AccessChecks.Where(c => answer is null || c.Answer.Equals(answer, StringComparison.OrdinalIgnoreCase)))
        {
            stdout.WriteLine($"{check.RuleId} {check.Answer,-8} {Excerpt.Of(check.Caller, Excerpt.MaxMessage)} {check.Action} on {Excerpt.Of(check.Resource, Excerpt.MaxMessage)}: {Excerpt.Of(check.Reason, Excerpt.MaxMessage)} [{check.Template}]");
        }

        stdout.WriteLine();
        foreach (var group in report.AccessChecks.GroupBy(c => c.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            stdout.WriteLine($"{group.Key}: {group.Count()} call(s): {group.Count(c => c.Answer == "Allowed")} allowed, {group.Count(c => c.Answer == "Refused")} refused, {group.Count(c => c.Answer == "Unknown")} unknown");
        }

        return 0;
    }

    private static string[] SplitPrefixes(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int ListRules(TextWriter stdout)
    {
        foreach (var descriptor in RuleCatalog.AllDescriptors)
        {
            stdout.WriteLine($"{descriptor.Id}  {ReportWriter.SeverityName(descriptor.Severity),-7}  {descriptor.Title}");
        }

        return 0;
    }

    private static int WriteDocs(string directory, TextWriter stdout, TextWriter stderr)
    {
        var written = TryWrite(stderr, directory, () =>
        {
            Directory.CreateDirectory(directory);
            foreach (var descriptor in RuleCatalog.AllDescriptors)
            {
                File.WriteAllText(Path.Combine(directory, $"{descriptor.Id}.md"), RuleDocs.Page(descriptor));
            }
        });
        if (!written)
        {
            return CannotWriteExitCode;
        }

        stdout.WriteLine($"wrote {RuleCatalog.AllDescriptors.Count()} rule pages to {directory}");
        return 0;
    }

    /// <summary>Runs <paramref name="write"/>; a file-system refusal is a one-line message on stderr, not a stack trace.</summary>
    private static bool TryWrite(TextWriter stderr, string target, Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"preflight: cannot write {target}: {exception.Message}");
            return false;
        }
    }
}
