using Payments.Preflight.Engine;
using Payments.Preflight.Loading;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;
using Payments.Preflight.Rules;

namespace Payments.Preflight;

/// <summary>The library entry point: the platform's synth and the CLI both call <see cref="Check"/>.</summary>
public static class PreflightEngine
{
    public static PreflightReport Check(IEnumerable<string> paths, PreflightOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var inputPaths = paths.ToList();
        options ??= new PreflightOptions();
        var problems = new List<Finding>();
        var sources = TemplateDiscovery.Discover(inputPaths, problems);
        var perTemplate = new List<Finding>?[sources.Count];
        var accessChecks = new List<AccessCheck>?[sources.Count];
        var loaded = new Template?[sources.Count];
        var rules = SelectedRules(options);
        var today = options.Today ?? DateOnly.FromDateTime(DateTime.UtcNow);
        var parallel = sources.Count >= 8;
        For(sources.Count, parallel, i => (loaded[i], perTemplate[i]) = LoadOne(sources[i], options));

        // The permission model spans the run (a cloud assembly's stacks reference each other); built on first use.
        var run = loaded.OfType<Template>().ToList();
        var access = new Lazy<AccessModel>(() => new AccessModel(run), LazyThreadSafetyMode.ExecutionAndPublication);
        For(sources.Count, parallel, i =>
        {
            if (loaded[i] is { } template)
            {
                perTemplate[i] = RunRules(template, rules, options, today, access, accessChecks[i] = []);
            }
        });

        var templates = perTemplate.Count(f => f is not null);
        if (templates == 0 && problems.Count == 0)
        {
            // A gate that checked nothing must not pass: an empty cdk.out, a directory of non-templates, a typo'd glob root.
            var inputs = string.Join(", ", inputPaths);
            problems.Add(new Finding(RuleIds.InputNotFound, Severity.Error, inputs, null, null, null,
                sources.Count == 0 ? $"no CloudFormation template found in {inputs}" : $"none of the {sources.Count} JSON/YAML file(s) found in {inputs} is a CloudFormation template"));
        }

        var findings = problems.Where(f => IsSelected(f.RuleId, options)).Concat(perTemplate.SelectMany(f => f ?? [])).ToList();
        return new PreflightReport(findings, templates, [.. accessChecks.SelectMany(c => c ?? [])]);
    }

    private static void For(int count, bool parallel, Action<int> body)
    {
        if (parallel)
        {
            Parallel.For(0, count, body);
            return;
        }

        for (var i = 0; i < count; i++)
        {
            body(i);
        }
    }

    private static Rule[] SelectedRules(PreflightOptions options) => [.. RuleCatalog.Rules.Where(r => IsSelected(r.Descriptor.Id, options))];

    internal static bool IsSelected(string ruleId, PreflightOptions options) =>
        (options.Include.Count == 0 || options.Include.Any(prefix => ruleId.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
        && !options.Ignore.Any(prefix => ruleId.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Checks a template already in memory (tests, and callers that synthesize in-process).</summary>
    internal static List<Finding> CheckText(string path, string text, PreflightOptions? options = null, string? stackName = null)
    {
        options ??= new PreflightOptions();
        var rules = SelectedRules(options);
        var today = options.Today ?? DateOnly.FromDateTime(DateTime.UtcNow);
        Template template;
        try
        {
            template = TemplateLoader.FromBytes(path, System.Text.Encoding.UTF8.GetBytes(text), stackName, new Dictionary<string, string>());
        }
        catch (TemplateLoadException exception)
        {
            return [.. new[] { LoadFinding(path, exception) }.Where(f => IsSelected(f.RuleId, options))];
        }

        return RunRules(template, rules, options, today, new Lazy<AccessModel>(() => new AccessModel([template])), []);
    }

    /// <summary>
    /// Loads one template: (template, null) to check, (null, findings) when it cannot be read, (null, null) when a file
    /// found by a directory walk or glob is not a template at all.
    /// </summary>
    private static (Template?, List<Finding>?) LoadOne(TemplateSource source, PreflightOptions options)
    {
        Template template;
        try
        {
            template = TemplateLoader.Load(source);
            if (source.Discovered && !TemplateLoader.IsCloudFormation(template.Root))
            {
                return (null, null);
            }
        }
        catch (TemplateLoadException exception) when (source.Discovered && exception.RuleId != RuleIds.PreprocessorSource
            && (exception.Parsed || !TemplateLoader.MentionsCloudFormation(source.Path)))
        {
            // Found by a walk, not named: a list (a parameters file, an array of test events) or an unparseable file
            // that does not look like a template is skipped.
            return (null, null);
        }
        catch (TemplateLoadException exception)
        {
            var finding = LoadFinding(source.Path, exception);
            return (null, IsSelected(finding.RuleId, options) ? [finding] : []);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return (null, IsSelected(RuleIds.ParseError, options) ? [new Finding(RuleIds.ParseError, Severity.Error, source.Path, null, null, null, $"cannot read the file: {exception.Message}")] : []);
        }

        return (template, null);
    }

    private static Finding LoadFinding(string path, TemplateLoadException exception) =>
        new(exception.RuleId, exception.RuleId == RuleIds.PreprocessorSource ? Severity.Warning : Severity.Error, path, null, null, exception.Line, exception.Message);

    private static List<Finding> RunRules(Template template, Rule[] rules, PreflightOptions options, DateOnly today, Lazy<AccessModel> access, List<AccessCheck> accessChecks)
    {
        var raw = new List<Finding>();
        var environment = EnvironmentInfo.Detect(options.Environment, template.StackTags, template.StackName, template.Path, template.Resources.Values);
        var context = new RuleContext(template, environment, today, raw, access);
        foreach (var rule in rules)
        {
            context.CurrentRule = rule.Descriptor;
            try
            {
                rule.Check(context);
            }
#pragma warning disable CA1031 // A rule bug on one odd template must become a finding, not end the whole run.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                raw.Add(new Finding(RuleIds.RuleFailure, Severity.Error, template.Path, null, null, null, $"rule {rule.Descriptor.Id} failed on this template ({exception.GetType().Name}: {exception.Message}); please report it"));
            }
        }

        accessChecks.AddRange(context.AccessChecks);
        var suppressions = Suppressions.Read(template);
        var result = new List<Finding>(raw.Count + suppressions.Problems.Count);
        foreach (var finding in raw)
        {
            if (!suppressions.IsSuppressed(finding) && IsSelected(finding.RuleId, options))
            {
                result.Add(finding);
            }
        }

        result.AddRange(suppressions.Problems.Where(f => IsSelected(f.RuleId, options)));
        result.Sort(static (a, b) => (a.Line ?? 0).CompareTo(b.Line ?? 0) is var byLine && byLine != 0 ? byLine : string.CompareOrdinal(a.RuleId, b.RuleId));
        return result;
    }
}
