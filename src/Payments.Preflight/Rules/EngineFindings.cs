namespace Payments.Preflight.Rules;

/// <summary>Findings the loader and engine raise themselves (no rule class checks these).</summary>
internal static class EngineFindings
{
    public static IReadOnlyList<RuleDescriptor> Descriptors { get; } =
    [
        new(RuleIds.ParseError, Severity.Error, "Template cannot be parsed",
            "The file is not valid JSON or YAML, is empty, is not a mapping at the top level, or uses an unknown YAML tag. CloudFormation rejects it before creating anything. An input preflight cannot read at all is reported here too: a file or directory without read permission, or a FIFO or device named as a template.",
            "Fix the syntax at the reported line; YAML short-form tags must be CloudFormation's (!Ref, !Sub, !GetAtt, …).",
            "000", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: [unclosed\n", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"),
        new(RuleIds.TemplateLimits, Severity.Error, "Template exceeds preflight's safety limits",
            "The file is larger than 16 MB, nests deeper than 100 levels, or its YAML aliases expand to more than two million nodes (an alias bomb). Preflight stops reading it instead of exhausting memory.",
            "Flatten the structure or remove the alias chains; CloudFormation itself accepts at most 1 MB.",
            "000", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nResources: {}\n", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"),
        new(RuleIds.SuppressionWithoutReason, Severity.Error, "Suppression without a reason",
            "A Metadata.preflight.suppress entry has no id or no reason of at least 10 characters. Suppressions must convince a reviewer, so one without a reason is not applied.",
            "Add `reason: <why this is safe>` to the suppression, or fix the finding instead.",
            "001", "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Metadata:\n      preflight:\n        suppress:\n          - id: PF603\n    Properties:\n      RepositoryName: payments\n      EmptyOnDelete: true\n",
            "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Metadata:\n      preflight:\n        suppress:\n          - id: PF603\n            reason: one shared repository for every environment, created once by the platform account\n    Properties:\n      RepositoryName: payments\n      EmptyOnDelete: true\n"),
        new(RuleIds.InputNotFound, Severity.Error, "Input not found",
            "A path, glob or cloud-assembly template given to preflight does not exist, or the inputs hold no CloudFormation template at all (an empty cdk.out, a folder of other JSON/YAML): a gate that checked nothing must not pass.",
            "Check the path; for cdk.out run `cdk synth` first.",
            "000", string.Empty, string.Empty),
        new(RuleIds.PreprocessorSource, Severity.Warning, "Pre-processor source, not a template",
            "The file uses rain's `!Rain::Embed`, `!Rain::Module` or `!Rain::S3` (or their `Rain::*` keys in JSON): it is the source of a template, which `rain pkg` produces. CloudFormation cannot read it, and preflight does not check it; one finding for the file instead of parse and structure errors.",
            "Run `rain pkg FILE > FILE.pkg.yaml` and check the packaged template.",
            "000", "Resources:\n  Bucket:\n    Type: !Rain::Module ./bucket.yaml\n", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"),
        new(RuleIds.RuleFailure, Severity.Error, "A rule failed on this template",
            "A rule hit an internal error on this template. The other rules still ran; this finding keeps the failure visible instead of crashing the run.",
            "Report the template to the preflight maintainers.",
            "000", string.Empty, string.Empty),
    ];
}
