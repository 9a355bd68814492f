using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Structure;

/// <summary>
/// PF016: what CloudFormation's template format refuses outside the resources' own shapes: a logical ID that is not
/// alphanumeric or is too long (resources, parameters, outputs, conditions, mappings), a parameter type it does not
/// have, an output without a Value, a Description over 1,024 bytes.
/// </summary>
internal sealed class TemplateFormat : Rule
{
    private const int MaxLogicalIdLength = 255;
    private const int MaxDescriptionBytes = 1024;

    private static readonly string[] AwsTypes =
    [
        "AWS::EC2::AvailabilityZone::Name", "AWS::EC2::Image::Id", "AWS::EC2::Instance::Id", "AWS::EC2::KeyPair::KeyName",
        "AWS::EC2::SecurityGroup::GroupName", "AWS::EC2::SecurityGroup::Id", "AWS::EC2::Subnet::Id", "AWS::EC2::VPC::Id",
        "AWS::EC2::Volume::Id", "AWS::Route53::HostedZone::Id",
    ];

    // The parameter types AWS documents: the plain ones, the AWS-specific ones and their lists, and SSM parameter types
    // over them. CloudFormation also accepts any other List<…> or AWS::SSM::Parameter::Value<…> (it only leaves their
    // values unchecked), so those forms pass too: IsParameterType.
    private static readonly HashSet<string> ParameterTypes = BuildParameterTypes();

    private const string ListPrefix = "List<";
    private const string SsmValuePrefix = "AWS::SSM::Parameter::Value<";

    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.TemplateFormat, Severity.Error, "Name or section CloudFormation's template format refuses",
        "A logical ID (of a resource, parameter, output, condition or mapping) with a character other than A–Z, a–z and 0–9, or longer than 255 characters; a parameter whose Type CloudFormation does not have (a typo such as `Strin`, or `Boolean`; any `List<…>` and `AWS::SSM::Parameter::Value<…>` is accepted, as CloudFormation accepts the undocumented ones); an output without a Value; a Description longer than 1,024 bytes. CloudFormation rejects the template in validation (\"Template format error: Resource name my-bucket is non alphanumeric\", \"Unrecognized parameter type\", \"Every Outputs member must contain a Value object\").",
        "Use letters and digits only in logical IDs (`MyBucket`, not `my-bucket`); give each parameter a Type CloudFormation lists (String, Number, List<Number>, CommaDelimitedList, an AWS-specific type or an SSM parameter type); give each output a Value; shorten the Description.",
        "000",
        """
        Parameters:
          stage-name:
            Type: String
        Resources:
          Queue:
            Type: AWS::SQS::Queue
        """,
        """
        Parameters:
          StageName:
            Type: String
        Resources:
          Queue:
            Type: AWS::SQS::Queue
        """);

    public override void Check(RuleContext context)
    {
        var root = context.Template.Root;
        foreach (var section in new[] { "Resources", "Parameters", "Outputs", "Conditions", "Mappings" })
        {
            if (root[section] is not MappingNode entries)
            {
                continue;
            }

            foreach (var (name, _) in entries.Entries)
            {
                // Fn::ForEach loops (AWS::LanguageExtensions) are keys of their own kind; PF003 judges them.
                if (name.StartsWith("Fn::ForEach::", StringComparison.Ordinal) || (IsAlphanumeric(name) && name.Length <= MaxLogicalIdLength))
                {
                    continue;
                }

                var singular = section == "Mappings" ? "mapping" : section.TrimEnd('s').ToLowerInvariant();
                var problem = IsAlphanumeric(name)
                    ? $"is {name.Length} characters long, more than the {MaxLogicalIdLength} CloudFormation allows"
                    : "has characters other than letters and digits; CloudFormation rejects the template (\"Template format error: … is non alphanumeric\")";
                var path = $"{section}/{name}";
                if (section == "Resources" && context.Template.Resources.TryGetValue(name, out var resource))
                {
                    context.Report(resource, null, null, $"the {singular} name '{Excerpt.Of(name)}' {problem}");
                }
                else
                {
                    context.ReportTemplate(path, entries.KeyLine(name), $"the {singular} name '{Excerpt.Of(name)}' ({Excerpt.Of(path)}) {problem}");
                }
            }
        }

        // A macro may supply what these look for (parameter types of its own, outputs it completes); SAM and
        // AWS::LanguageExtensions change neither.
        if (!context.Template.OnlyDocumentedTransforms)
        {
            return;
        }

        if (root["Parameters"] is MappingNode parameters)
        {
            foreach (var (name, node) in parameters.Entries)
            {
                if (node is MappingNode parameter && parameter["Type"] is ScalarNode { Kind: ScalarKind.String } type && !IsParameterType(type.Value))
                {
                    context.ReportTemplate($"Parameters/{name}/Type", type,
                        $"parameter {name} has the Type '{Excerpt.Of(type.Value)}', which CloudFormation does not have; it rejects the template (\"Template format error: Unrecognized parameter type: {Excerpt.Of(type.Value)}\"). Types: String, Number, List<Number>, CommaDelimitedList, the AWS-specific types (AWS::EC2::VPC::Id, …), their List<…>, and AWS::SSM::Parameter::Value<…>.");
                }
                else if (node is MappingNode { Count: > 0 } untyped && untyped["Type"] is null)
                {
                    context.ReportTemplate($"Parameters/{name}", parameters.KeyLine(name), $"parameter {name} has no Type; CloudFormation rejects the template (\"Every Parameters object must contain a Type member\")");
                }
            }
        }

        if (root["Outputs"] is MappingNode outputs)
        {
            foreach (var (name, node) in outputs.Entries)
            {
                if (node is MappingNode output && output["Value"] is null)
                {
                    context.ReportTemplate($"Outputs/{name}", outputs.KeyLine(name), $"output {name} has no Value; CloudFormation rejects the template (\"Every Outputs member must contain a Value object\")");
                }
            }
        }

        if (root["Description"] is ScalarNode description && System.Text.Encoding.UTF8.GetByteCount(description.Value) is var bytes and > MaxDescriptionBytes)
        {
            context.ReportTemplate("Description", description,
                $"the Description is {bytes:N0} bytes, more than the {MaxDescriptionBytes:N0} CloudFormation allows; it rejects the template");
        }
    }

    /// <summary>
    /// A documented type, or a <c>List&lt;…&gt;</c> or <c>AWS::SSM::Parameter::Value&lt;…&gt;</c> of anything that
    /// closes where the type ends: CloudFormation accepts those undocumented ones and does not validate their values
    /// (cfn-lint warns of them, W2002).
    /// </summary>
    private static bool IsParameterType(string type)
    {
        if (ParameterTypes.Contains(type))
        {
            return true;
        }

        var prefix = type.StartsWith(ListPrefix, StringComparison.Ordinal) ? ListPrefix
            : type.StartsWith(SsmValuePrefix, StringComparison.Ordinal) ? SsmValuePrefix
            : null;
        if (prefix is null || !type.EndsWith('>') || type.Length <= prefix.Length + 1)
        {
            return false;
        }

        // The brackets balance, and the first one opened is the last one closed.
        var depth = 0;
        for (var i = prefix.Length - 1; i < type.Length; i++)
        {
            depth += type[i] switch { '<' => 1, '>' => -1, _ => 0 };
            if (depth == 0 && i < type.Length - 1)
            {
                return false;
            }
        }

        return depth == 0;
    }

    private static bool IsAlphanumeric(string name) => name.Length > 0 && name.All(char.IsAsciiLetterOrDigit);

    private static HashSet<string> BuildParameterTypes()
    {
        var types = new HashSet<string>(StringComparer.Ordinal) { "String", "Number", "List<Number>", "List<String>", "CommaDelimitedList", "AWS::SSM::Parameter::Name" };
        foreach (var aws in AwsTypes)
        {
            types.Add(aws);
            // A key pair has no documented list type (an undocumented list passes as any List<…> does).
            if (aws != "AWS::EC2::KeyPair::KeyName")
            {
                types.Add($"List<{aws}>");
            }
        }

        foreach (var value in types.ToList())
        {
            types.Add($"AWS::SSM::Parameter::Value<{value}>");
        }

        return types;
    }
}
