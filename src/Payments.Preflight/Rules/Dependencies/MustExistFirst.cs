using System.Text.RegularExpressions;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Dependencies;

internal sealed partial class MustExistFirst : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.MustExistFirst, Severity.Warning,
        "Must exist before deploy",
        "The template uses things it does not create: secrets by name or ARN (`{{resolve:secretsmanager:…}}`, container secrets), SSM parameters (`{{resolve:ssm:…}}`, `AWS::SSM::Parameter::Value` parameters), container images in ECR (including a repository this same stack creates, which is empty when the service starts), and ACM certificates. If one is missing the deploy fails after minutes (ECS services hang in CREATE_IN_PROGRESS). Preflight lists them together as a \"must exist first\" checklist.",
        "Create each listed item before deploying (or create it in the stack), or point at one that exists. CDK asset images and the CDK bootstrap version parameter are handled by `cdk deploy` and not listed.",
        "000, 003",
        """
        Resources:
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Image: nginx:alpine
                  Environment:
                    - Name: DB_PASSWORD
                      Value: "{{resolve:secretsmanager:db-connection:SecretString:password}}"
        """,
        """
        Resources:
          Secret:
            Type: AWS::SecretsManager::Secret
            Properties:
              GenerateSecretString: { PasswordLength: 32 }
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Image: nginx:alpine
                  Secrets:
                    - Name: DB_PASSWORD
                      ValueFrom: !Ref Secret
        """);

    public override void Check(RuleContext context)
    {
        var reported = new HashSet<(string, string)>();
        void Report(Resource resource, string path, Node node, string item, string message)
        {
            if (reported.Add((resource.LogicalId, item)))
            {
                context.Report(resource, path, node, message);
            }
        }

        CheckParameters(context);
        foreach (var resource in context.Template.Resources.Values)
        {
            if (resource.Properties is null)
            {
                continue;
            }

            var segments = new List<(string? Key, int Index)> { ("Properties", 0) };
            VisitStrings(resource.Properties, segments, 0, scalar => CheckScalar(resource, segments, scalar, Report));

            if (resource.Type == "AWS::ECS::TaskDefinition")
            {
                var containers = Resolver.Items(resource.Property("ContainerDefinitions"));
                for (var i = 0; i < containers.Count; i++)
                {
                    if (containers[i] is MappingNode container && container["Image"] is { } image && ImageRequirement(context, image) is { } requirement)
                    {
                        Report(resource, $"Properties/ContainerDefinitions/{i}/Image", image, $"image:{requirement}", requirement);
                    }
                }
            }
        }
    }

    private static void CheckParameters(RuleContext context)
    {
        if (context.Template.Parameters is null)
        {
            return;
        }

        foreach (var (name, node) in context.Template.Parameters.Entries)
        {
            // A default that is the ARN of a secret, parameter or certificate is what the stack uses unless overridden.
            if (node is MappingNode { IntrinsicName: null } withDefault && withDefault["Default"] is ScalarNode { Kind: ScalarKind.String } arn)
            {
                var path = $"Parameters/{name}/Default";
                if (SecretArn().Match(arn.Value) is { Success: true } secret)
                {
                    context.ReportTemplate(path, arn, $"secret '{Excerpt.Of(secret.Groups["name"].Value)}' ({Excerpt.Of(arn.Value)}, default of parameter {name}) must exist before deploy");
                }
                else if (ParameterArn().Match(arn.Value) is { Success: true } ssm)
                {
                    context.ReportTemplate(path, arn, $"SSM parameter '/{ssm.Groups["name"].Value}' (default of parameter {name}) must exist before deploy");
                }
                else if (CertificateArn().IsMatch(arn.Value))
                {
                    context.ReportTemplate(path, arn, $"ACM certificate {arn.Value} (default of parameter {name}) must exist (issued, in this region) before deploy");
                }
            }

            if (node is MappingNode parameter
                && (parameter["Type"] as ScalarNode)?.Value.StartsWith("AWS::SSM::Parameter::Value", StringComparison.Ordinal) == true
                && parameter["Default"] is ScalarNode { Kind: not ScalarKind.Null } defaultValue
                && !defaultValue.Value.StartsWith("/cdk-bootstrap/", StringComparison.Ordinal)
                && !defaultValue.Value.StartsWith("/aws/service/", StringComparison.Ordinal))
            {
                context.ReportTemplate($"Parameters/{name}/Default", defaultValue, $"SSM parameter '{Excerpt.Of(defaultValue.Value)}' (default of parameter {name}) must exist before deploy");
            }
        }
    }

    /// <summary>What must exist for a container image, or null when the image is public, a CDK asset, or unknown.</summary>
    private static string? ImageRequirement(RuleContext context, Node image)
    {
        if (ReferencedRepository(context, image) is { } repository)
        {
            return $"an image in ECR repository {repository.LogicalId}, which this stack creates empty: push it before the service starts (or deploy the service with a public image first)";
        }

        var literal = context.Resolve.String(image) ?? LiteralText(image);
        if (literal is null || EcrImage().Match(literal) is not { Success: true } match)
        {
            return null;
        }

        var repositoryName = match.Groups["repository"].Value;
        if (repositoryName.StartsWith("cdk-", StringComparison.Ordinal) && repositoryName.Contains("-container-assets-", StringComparison.Ordinal))
        {
            return null;
        }

        if (context.Template.OfType("AWS::ECR::Repository").FirstOrDefault(r => context.Resolve.String(r.Property("RepositoryName")) == repositoryName) is { } created)
        {
            return $"an image in ECR repository {created.LogicalId} ({repositoryName}), which this stack creates empty: push it before the service starts (or deploy the service with a public image first)";
        }

        return $"ECR image {literal} must be pushed before deploy";
    }

    private static Resource? ReferencedRepository(RuleContext context, Node image)
    {
        foreach (var node in Descendants(image, 0))
        {
            if (context.Resolve.ResourceOf(node) is { Type: "AWS::ECR::Repository" } repository)
            {
                return repository;
            }
        }

        return null;
    }

    /// <summary>Renders a value as Sub-style text, with ${Name} for what only deploy time knows, so its literal shape can be matched.</summary>
    private static string? LiteralText(Node node, int depth = 0) => depth > 16 ? null : node switch
    {
        ScalarNode scalar => scalar.Value,
        MappingNode { IntrinsicName: "Ref" } reference => $"${{{(reference["Ref"] as ScalarNode)?.Value}}}",
        MappingNode { IntrinsicName: "Fn::Sub" } sub when sub["Fn::Sub"] is ScalarNode text => text.Value,
        MappingNode { IntrinsicName: "Fn::Sub" } sub when sub["Fn::Sub"] is SequenceNode { Items.Count: > 0 } args && args.Items[0] is ScalarNode text => text.Value,
        MappingNode { IntrinsicName: "Fn::Join" } join when join["Fn::Join"] is SequenceNode { Items.Count: 2 } args && args.Items[1] is SequenceNode parts
            => string.Join((args.Items[0] as ScalarNode)?.Value ?? string.Empty, parts.Items.Select(p => LiteralText(p, depth + 1) ?? "${?}")),
        _ => null,
    };

    private static IEnumerable<Node> Descendants(Node node, int depth)
    {
        yield return node;
        if (depth > 64)
        {
            yield break;
        }

        var children = node switch
        {
            MappingNode map => map.Entries.Select(e => e.Value),
            SequenceNode list => list.Items,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Descendants(child, depth + 1))
            {
                yield return descendant;
            }
        }
    }

    private static void CheckScalar(Resource resource, List<(string? Key, int Index)> segments, ScalarNode scalar, Action<Resource, string, Node, string, string> report)
    {
        var value = scalar.Value;
        // Cheap tests first: nearly every string of a template is neither a dynamic reference nor an ARN.
        if (value.Contains("{{resolve:", StringComparison.Ordinal))
        {
            foreach (Match match in DynamicReference().Matches(value))
            {
                var service = match.Groups["service"].Value;
                var name = match.Groups["name"].Value;
                if (name.Contains("${", StringComparison.Ordinal))
                {
                    // Fn::Sub fills the name from a parameter or a resource of this stack: unknown, not reported.
                    continue;
                }

                var kind = service.StartsWith("ssm", StringComparison.Ordinal) ? "SSM parameter" : "secret";
                report(resource, PathOf(segments), scalar, $"{kind}:{name}", $"{kind} '{Excerpt.Of(name)}' (dynamic reference {{{{resolve:{service}:…}}}}) must exist before deploy");
            }
        }

        if (!value.StartsWith("arn:aws", StringComparison.Ordinal))
        {
            return;
        }

        if (SecretArn().Match(value) is { Success: true } secret)
        {
            report(resource, PathOf(segments), scalar, $"secret:{secret.Groups["name"].Value}", $"secret '{Excerpt.Of(secret.Groups["name"].Value)}' ({Excerpt.Of(value)}) must exist before deploy");
        }
        else if (ParameterArn().Match(value) is { Success: true } parameter)
        {
            report(resource, PathOf(segments), scalar, $"ssm:{parameter.Groups["name"].Value}", $"SSM parameter '/{parameter.Groups["name"].Value}' must exist before deploy");
        }
        else if (CertificateArn().IsMatch(value))
        {
            report(resource, PathOf(segments), scalar, $"acm:{value}", $"ACM certificate {value} must exist (issued, in this region) before deploy");
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every string scalar in document order; <paramref name="segments"/> holds its path meanwhile.</summary>
    private static void VisitStrings(Node node, List<(string? Key, int Index)> segments, int depth, Action<ScalarNode> visit)
    {
        if (depth > 64)
        {
            return;
        }

        switch (node)
        {
            case ScalarNode { Kind: ScalarKind.String } scalar:
                visit(scalar);
                break;
            case MappingNode map:
                foreach (var (key, value) in map.Entries)
                {
                    segments.Add((key, 0));
                    VisitStrings(value, segments, depth + 1, visit);
                    segments.RemoveAt(segments.Count - 1);
                }

                break;
            case SequenceNode list:
                for (var i = 0; i < list.Items.Count; i++)
                {
                    segments.Add((null, i));
                    VisitStrings(list.Items[i], segments, depth + 1, visit);
                    segments.RemoveAt(segments.Count - 1);
                }

                break;
        }
    }

    /// <summary>The path of the scalar being visited, built only when it is reported.</summary>
    private static string PathOf(List<(string? Key, int Index)> segments) =>
        string.Join('/', segments.Select(s => s.Key ?? s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"\{\{resolve:(?<service>secretsmanager|ssm-secure|ssm):(?<name>[^:}]+)")]
    private static partial Regex DynamicReference();

    [GeneratedRegex(@"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(?<name>[^:]+)")]
    private static partial Regex SecretArn();

    [GeneratedRegex(@"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/(?<name>.+)$")]
    private static partial Regex ParameterArn();

    [GeneratedRegex(@"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$")]
    private static partial Regex CertificateArn();

    [GeneratedRegex(@"^[^/]+\.dkr\.ecr\.[^/]+/(?<repository>[^:@]+)(?::(?<tag>[^@]+))?(?:@.+)?$")]
    private static partial Regex EcrImage();
}
