namespace Payments.Preflight.Loading;

/// <summary>A template that cannot be read; turned into a finding with the line, never surfaced as a crash.</summary>
internal sealed class TemplateLoadException : Exception
{
    public TemplateLoadException(string ruleId, string message, int? line, bool parsed = false) : base(message)
    {
        RuleId = ruleId;
        Line = line;
        Parsed = parsed;
    }

    public TemplateLoadException()
    {
        RuleId = RuleIds.ParseError;
    }

    public TemplateLoadException(string message) : base(message)
    {
        RuleId = RuleIds.ParseError;
    }

    public TemplateLoadException(string message, Exception innerException) : base(message, innerException)
    {
        RuleId = RuleIds.ParseError;
    }

    public string RuleId { get; }

    public int? Line { get; }

    /// <summary>The file is well-formed JSON/YAML but not a mapping (a list, a scalar): never a template.</summary>
    public bool Parsed { get; }
}

internal static class LoadLimits
{
    /// <summary>CloudFormation accepts 1 MB from S3; CDK templates before asset upload can be larger, so allow headroom.</summary>
    public const long MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Real templates rarely nest beyond 20 levels; this bounds recursion in the parsers and the rules.</summary>
    public const int MaxDepth = 100;

    /// <summary>Bounds YAML alias expansion (billion laughs): the node count of the template with every alias expanded.</summary>
    public const long MaxExpandedNodes = 2_000_000;
}
