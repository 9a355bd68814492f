using Payments.Preflight.Model;

namespace Payments.Preflight.Permissions;

/// <summary>
/// Resolves template values to symbolic strings: what the template fixes is literal, a resource's generated name
/// is an identity atom (unique to that resource), the account and region are shared atoms, and an
/// `Fn::ImportValue` follows the export of another template of the same run. Null means unknown.
/// </summary>
internal sealed class SymbolicResolver
{
    private readonly Template template;
    private readonly AccessModel model;
    private readonly string stackKey;

    // The model's index and every flow rule ask for the same resources' Ref, ARN and name: each is built once.
    // An entry records how deep below its caller the resolution went, so that it is reused only where the
    // depth limit would not have cut it short (then the answer is the same as resolving again).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Resource, ResourceValue), (Sym Value, int Span)> memo = new();

    [ThreadStatic]
    private static int deepest;

    [ThreadStatic]
    private static int cutoffs;

    // Resolutions under way on this thread (across the run's resolvers, as imports lead from one to another), the
    // work done since the outermost began (bounded as in Engine.Resolver), and the exports being resolved.
    [ThreadStatic]
    private static int calls;

    [ThreadStatic]
    private static long work;

    [ThreadStatic]
    private static HashSet<string>? importing;

    private enum ResourceValue : byte { Ref, Name, Arn }

    private const int MaxDepth = 24;

    public SymbolicResolver(Template template, AccessModel model, int index)
    {
        this.template = template;
        this.model = model;
        stackKey = $"{template.StackName ?? System.IO.Path.GetFileNameWithoutExtension(template.Path)}#{index}";
    }

    public Template Template => template;

    /// <summary>The stack's region: literal when the assembly fixes it, else the shared region atom.</summary>
    public Sym Region => template.Region is { } region ? Sym.Lit(region) : Sym.Region;

    public Sym Account => template.Account is { } account ? Sym.Lit(account) : Sym.Account;

    public Sym? Resolve(Node? node, int depth = 0)
    {
        if (calls++ == 0)
        {
            work = 0;
        }

        try
        {
            return Value(node, depth);
        }
        finally
        {
            calls--;
        }
    }

    private Sym? Value(Node? node, int depth)
    {
        if (node is null)
        {
            return null;
        }

        // Past the work bound the answer depends on what was resolved before, like one cut short by depth: never memoized.
        if (depth > MaxDepth || ++work > Engine.Resolver.MaxWork)
        {
            cutoffs++;
            return null;
        }

        deepest = Math.Max(deepest, depth);

        switch (node)
        {
            case ScalarNode { Kind: ScalarKind.Null }:
                return null;
            case ScalarNode scalar:
                return Sym.Lit(scalar.Value);
            case MappingNode map when map.IntrinsicName is { } function:
                var argument = map.Entries[0].Value;
                return function switch
                {
                    "Ref" => (argument as ScalarNode)?.Value is { } name ? Ref(name, depth) : null,
                    "Fn::GetAtt" => GetAtt(argument, depth),
                    "Fn::Sub" => Sub(argument, depth),
                    "Fn::Join" => Join(argument, depth),
                    "Fn::Select" => Select(argument, depth),
                    "Fn::ImportValue" => Value(argument, depth + 1) is { Literal: { } export } ? Import(export, depth + 1) ?? Sym.Atom($"import:{export}") : null,
                    _ => null,
                };
            default:
                return null;
        }
    }

    /// <summary>The resource a value points at in this template (Ref, GetAtt, "${X}", "${X.Arn}").</summary>
    public Resource? ResourceOf(Node? node)
    {
        if (node is not MappingNode { IntrinsicName: { } function } map)
        {
            return null;
        }

        var argument = map.Entries[0].Value;
        var id = function switch
        {
            "Ref" => (argument as ScalarNode)?.Value,
            "Fn::GetAtt" => argument switch
            {
                SequenceNode { Items.Count: >= 1 } sequence => (sequence.Items[0] as ScalarNode)?.Value,
                ScalarNode scalar => scalar.Value.Split('.')[0],
                _ => null,
            },
            "Fn::Sub" when argument is ScalarNode text && text.Value.StartsWith("${", StringComparison.Ordinal) && text.Value.IndexOf('}', StringComparison.Ordinal) == text.Value.Length - 1
                => text.Value[2..^1].Split('.')[0],
            _ => null,
        };
        return id is not null && template.Resources.TryGetValue(id, out var resource) ? resource : null;
    }

    public Sym? Ref(string name, int depth = 0) => name switch
    {
        "AWS::Partition" => Sym.Lit("aws"),
        "AWS::URLSuffix" => Sym.Lit("amazonaws.com"),
        "AWS::AccountId" => Account,
        "AWS::Region" => Region,
        "AWS::StackName" => template.StackName is { } stack ? Sym.Lit(stack) : Sym.Atom($"{stackKey}:StackName", identity: true),
        "AWS::StackId" or "AWS::NotificationARNs" or "AWS::NoValue" => null,
        _ when template.Resources.TryGetValue(name, out var resource) => ResourceRef(resource, depth),
        _ when template.Parameters?[name] is not null => Sym.Atom($"{stackKey}:parameter:{name}"),
        _ => null,
    };

    /// <summary>What `Ref` returns for a resource of each type (the identity the policies name it by).</summary>
    public Sym ResourceRef(Resource resource, int depth = 0) => Memo(resource, ResourceValue.Ref, depth);

    /// <summary>The physical name: the template's when it sets one, else a name only deploy time knows.</summary>
    public Sym Name(Resource resource, int depth = 0) => Memo(resource, ResourceValue.Name, depth);

    /// <summary>The resource's ARN, built the way AWS builds it for each type.</summary>
    public Sym Arn(Resource resource, int depth = 0) => Memo(resource, ResourceValue.Arn, depth);

    private Sym Memo(Resource resource, ResourceValue kind, int depth)
    {
        if (memo.TryGetValue((resource, kind), out var known) && depth + known.Span <= MaxDepth)
        {
            deepest = Math.Max(deepest, depth + known.Span);
            return known.Value;
        }

        if (calls++ == 0)
        {
            work = 0;
        }

        try
        {
            return Compute(resource, kind, depth);
        }
        finally
        {
            calls--;
        }
    }

    private Sym Compute(Resource resource, ResourceValue kind, int depth)
    {
        var (outerDeepest, outerCutoffs) = (deepest, cutoffs);
        deepest = depth;
        var value = kind switch
        {
            ResourceValue.Ref => ComputeRef(resource, depth),
            ResourceValue.Name => ComputeName(resource, depth),
            _ => ComputeArn(resource, depth),
        };
        if (cutoffs == outerCutoffs)
        {
            memo.TryAdd((resource, kind), (value, deepest - depth));
        }

        deepest = Math.Max(outerDeepest, deepest);
        return value;
    }

    private Sym ComputeRef(Resource resource, int depth) => resource.Type switch
    {
        "AWS::SNS::Topic" or "AWS::SecretsManager::Secret" or "AWS::IAM::ManagedPolicy" or "AWS::ECS::TaskDefinition" or "AWS::ECS::Service"
            => Arn(resource, depth),
        "AWS::SQS::Queue" => Sym.Concat(Sym.Lit("https://sqs."), Region, Sym.Lit(".amazonaws.com/"), Account, Sym.Lit("/"), Name(resource, depth)),
        "AWS::KMS::Key" => Sym.Atom($"{stackKey}/{resource.LogicalId}.KeyId", identity: true),
        "AWS::SecretsManager::SecretTargetAttachment" => Value(resource.Property("SecretId"), depth + 1) ?? Sym.Atom($"{stackKey}/{resource.LogicalId}.Ref", identity: true),
        _ => Name(resource, depth),
    };

    private Sym ComputeName(Resource resource, int depth)
    {
        var property = resource.Type switch
        {
            "AWS::SNS::Topic" => "TopicName",
            "AWS::SQS::Queue" => "QueueName",
            "AWS::S3::Bucket" => "BucketName",
            "AWS::IAM::Role" => "RoleName",
            "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
            "AWS::ECR::Repository" => "RepositoryName",
            "AWS::Lambda::Function" => "FunctionName",
            "AWS::Logs::LogGroup" => "LogGroupName",
            "AWS::SecretsManager::Secret" => "Name",
            "AWS::CodeBuild::Project" => "Name",
            "AWS::CodeDeploy::Application" => "ApplicationName",
            "AWS::CodeDeploy::DeploymentGroup" => "DeploymentGroupName",
            "AWS::CodeDeploy::DeploymentConfig" => "DeploymentConfigName",
            "AWS::CodePipeline::Pipeline" => "Name",
            "AWS::ECS::Cluster" => "ClusterName",
            "AWS::ECS::Service" => "ServiceName",
            "AWS::ECS::TaskDefinition" => "Family",
            "AWS::CloudWatch::Alarm" => "AlarmName",
            "AWS::Events::Rule" => "Name",
            "AWS::SSM::Parameter" => "Name",
            "AWS::StepFunctions::StateMachine" => "StateMachineName",
            _ => null,
        };
        if (property is not null && resource.Property(property) is { } node)
        {
            if (resource.Type == "AWS::SQS::Queue" && resource.Property("FifoQueue") is not null)
            {
                return Value(node, depth + 1) ?? Sym.Atom($"{stackKey}/{resource.LogicalId}.Name", identity: true);
            }

            return Value(node, depth + 1) ?? Sym.Atom($"{stackKey}/{resource.LogicalId}.Name", identity: true);
        }

        return Sym.Atom($"{stackKey}/{resource.LogicalId}.Name", identity: true);
    }

    private Sym ComputeArn(Resource resource, int depth)
    {
        Sym Regional(string service, string rest, Sym name) => Sym.Concat(Sym.Lit($"arn:aws:{service}:"), Region, Sym.Lit(":"), Account, Sym.Lit(":" + rest), name);
        var name = Name(resource, depth);
        return resource.Type switch
        {
            "AWS::SNS::Topic" => Regional("sns", string.Empty, name),
            "AWS::SQS::Queue" => Regional("sqs", string.Empty, name),
            "AWS::S3::Bucket" => Sym.Lit("arn:aws:s3:::") + name,
            "AWS::IAM::Role" => Sym.Concat(Sym.Lit("arn:aws:iam::"), Account, Sym.Lit(":role" + (resource.Property("Path") is ScalarNode { Value: { Length: > 0 } path } ? path : "/")), name),
            "AWS::IAM::ManagedPolicy" => Sym.Concat(Sym.Lit("arn:aws:iam::"), Account, Sym.Lit(":policy" + (resource.Property("Path") is ScalarNode { Value: { Length: > 0 } policyPath } ? policyPath : "/")), name),
            "AWS::KMS::Key" => Regional("kms", "key/", ResourceRef(resource)),
            "AWS::ECR::Repository" => Regional("ecr", "repository/", name),
            "AWS::Lambda::Function" => Regional("lambda", "function:", name),
            "AWS::Logs::LogGroup" => Regional("logs", "log-group:", name) + ":*",
            "AWS::SecretsManager::Secret" => Regional("secretsmanager", "secret:", name) + "-" + Sym.Atom($"{stackKey}/{resource.LogicalId}.Suffix", identity: true),
            "AWS::CodeBuild::Project" => Regional("codebuild", "project/", name),
            "AWS::CodeDeploy::Application" => Regional("codedeploy", "application:", name),
            "AWS::CodeDeploy::DeploymentConfig" => Regional("codedeploy", "deploymentconfig:", name),
            "AWS::CodeDeploy::DeploymentGroup" => Regional("codedeploy", "deploymentgroup:", (Value(resource.Property("ApplicationName"), depth + 1) ?? Sym.Atom($"{stackKey}/{resource.LogicalId}.App")) + "/" + name),
            "AWS::CodePipeline::Pipeline" => Regional("codepipeline", string.Empty, name),
            "AWS::ECS::Cluster" => Regional("ecs", "cluster/", name),
            "AWS::ECS::TaskDefinition" => Regional("ecs", "task-definition/", name) + ":" + Sym.Atom($"{stackKey}/{resource.LogicalId}.Revision"),
            "AWS::CloudWatch::Alarm" => Regional("cloudwatch", "alarm:", name),
            "AWS::Events::Rule" => Regional("events", "rule/", name),
            "AWS::SSM::Parameter" => Regional("ssm", "parameter/", name is { Parts: [{ IsAtom: false } first, ..] } && first.Text.StartsWith('/') ? new Sym([new SymPart(first.Text[1..], false), .. name.Parts.Skip(1)]) : name),
            _ => Sym.Atom($"{stackKey}/{resource.LogicalId}.Arn", identity: true),
        };
    }

    /// <summary>The value an export of the run has, or null (unknown) when resolving it leads back to itself.</summary>
    private Sym? Import(string exportName, int depth)
    {
        importing ??= new HashSet<string>(StringComparer.Ordinal);
        if (!importing.Add(exportName))
        {
            // Stacks whose exports import each other cannot both be created; their values are unknown, and a value
            // cut short here depends on where the resolution started, so nothing around it is memoized.
            cutoffs++;
            return null;
        }

        try
        {
            return model.Import(exportName, depth);
        }
        finally
        {
            importing.Remove(exportName);
        }
    }

    private Sym? GetAtt(Node argument, int depth)
    {
        string? id;
        string? attribute;
        switch (argument)
        {
            case SequenceNode { Items.Count: 2 } sequence:
                id = (sequence.Items[0] as ScalarNode)?.Value;
                attribute = (sequence.Items[1] as ScalarNode)?.Value;
                break;
            case ScalarNode scalar when scalar.Value.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot:
                id = scalar.Value[..dot];
                attribute = scalar.Value[(dot + 1)..];
                break;
            default:
                return null;
        }

        return id is not null && attribute is not null ? Attribute(id, attribute, depth) : null;
    }

    private Sym? Attribute(string id, string attribute, int depth)
    {
        if (!template.Resources.TryGetValue(id, out var resource))
        {
            return null;
        }

        return (resource.Type, attribute) switch
        {
            (_, "Arn") => Arn(resource, depth),
            ("AWS::SNS::Topic", "TopicName") or ("AWS::SQS::Queue", "QueueName") or ("AWS::ECS::Service", "Name") => Name(resource, depth),
            ("AWS::SQS::Queue", "QueueUrl") => ResourceRef(resource, depth),
            ("AWS::KMS::Key", "KeyId") => ResourceRef(resource, depth),
            ("AWS::ECR::Repository", "RepositoryUri") => Sym.Concat(Account, Sym.Lit(".dkr.ecr."), Region, Sym.Lit(".amazonaws.com/"), Name(resource, depth)),
            ("AWS::IAM::Role", "RoleId") => Sym.Atom($"{stackKey}/{id}.RoleId", identity: true),
            _ => Sym.Atom($"{stackKey}/{id}.{attribute}", identity: true),
        };
    }

    private Sym? Sub(Node argument, int depth)
    {
        string text;
        MappingNode? variables = null;
        switch (argument)
        {
            case ScalarNode scalar:
                text = scalar.Value;
                break;
            case SequenceNode { Items.Count: 2 } sequence when sequence.Items[0] is ScalarNode scalar:
                text = scalar.Value;
                variables = sequence.Items[1] as MappingNode;
                break;
            default:
                return null;
        }

        // Each variable is resolved once however often the string uses it, as in Engine.Resolver.
        Dictionary<string, Sym?>? known = null;
        var parts = new List<SymPart>();
        long length = 0;
        var position = 0;
        foreach (var placeholder in SubText.Placeholders(text))
        {
            parts.Add(new SymPart(text[position..placeholder.Start], false));
            Sym? value;
            if (placeholder.IsLiteral)
            {
                value = Sym.Lit("${" + placeholder.Name[1..] + "}");
            }
            else if (known is null || !known.TryGetValue(placeholder.Name, out value))
            {
                var name = placeholder.Name;
                value = variables?[name] is { } variable ? Value(variable, depth + 1)
                    : name.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot ? Attribute(name[..dot], name[(dot + 1)..], depth + 1)
                    : Ref(name, depth + 1);
                (known ??= new(StringComparer.Ordinal))[name] = value;
            }

            if (value is null || !Add(parts, ref length, value.Parts, placeholder.Start - position))
            {
                return null;
            }

            position = placeholder.End;
        }

        parts.Add(new SymPart(text[position..], false));
        return Add(parts, ref length, [], text.Length - position) ? new Sym(parts) : null;
    }

    private Sym? Join(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: 2 } sequence || sequence.Items[0] is not ScalarNode delimiter || sequence.Items[1] is not SequenceNode items)
        {
            return null;
        }

        var parts = new List<SymPart>();
        long length = 0;
        for (var i = 0; i < items.Items.Count; i++)
        {
            if (Value(items.Items[i], depth + 1) is not { } value)
            {
                return null;
            }

            if (i > 0)
            {
                parts.Add(new SymPart(delimiter.Value, false));
            }

            if (!Add(parts, ref length, value.Parts, i > 0 ? delimiter.Value.Length : 0))
            {
                return null;
            }
        }

        return new Sym(parts);
    }

    /// <summary>
    /// Adds <paramref name="more"/> to a value being built, whose <paramref name="length"/> counts every character of its
    /// text and atom names (<paramref name="text"/> more already added): false, for unknown, past Engine.Resolver's
    /// length or work bound.
    /// </summary>
    private static bool Add(List<SymPart> parts, ref long length, IReadOnlyList<SymPart> more, int text)
    {
        length += text;
        work += text;
        foreach (var part in more)
        {
            length += part.Text.Length;
            work += part.Text.Length + 1;
            if (length > Engine.Resolver.MaxLength)
            {
                return false;
            }

            parts.Add(part);
        }

        if (work > Engine.Resolver.MaxWork)
        {
            cutoffs++;
            return false;
        }

        return length <= Engine.Resolver.MaxLength;
    }

    private Sym? Select(Node argument, int depth)
    {
        if (argument is not SequenceNode { Items.Count: 2 } sequence || Value(sequence.Items[0], depth + 1)?.Literal is not { } indexText
            || !int.TryParse(indexText, System.Globalization.CultureInfo.InvariantCulture, out var index) || index < 0)
        {
            return null;
        }

        var list = sequence.Items[1];
        if (list is SequenceNode items)
        {
            return index < items.Items.Count ? Value(items.Items[index], depth + 1) : null;
        }

        if (list is MappingNode { IntrinsicName: "Fn::Split" } split && split["Fn::Split"] is SequenceNode { Items.Count: 2 } splitArguments
            && splitArguments.Items[0] is ScalarNode { Value: [var separator] } && Value(splitArguments.Items[1], depth + 1) is { } whole)
        {
            var pieces = whole.Split(separator);
            return index < pieces.Count ? pieces[index] : null;
        }

        return null;
    }
}
