using System.Text;

namespace Payments.Preflight.Tests.Rules;

/// <summary>
/// PF016 (names, parameter types, outputs and the description CloudFormation's template format refuses) and PF017
/// (its per-template quotas): each limit just past and just within.
/// </summary>
public sealed class TemplateFormatTests
{
    /// <summary>A section, a name in it that is not alphanumeric (<see cref="Template"/>), and the message.</summary>
    public static TheoryData<string, string, string> NonAlphanumericNames => new()
    {
        { "Resources", "my-bucket", "the resource name 'my-bucket' has characters other than letters and digits" },
        { "Resources", "Bucket_1", "the resource name 'Bucket_1'" },
        { "Parameters", "stage-name", "the parameter name 'stage-name' (Parameters/stage-name)" },
        { "Outputs", "queue.arn", "the output name 'queue.arn' (Outputs/queue.arn)" },
        { "Conditions", "is-prod", "the condition name 'is-prod' (Conditions/is-prod)" },
        { "Mappings", "Size Map", "the mapping name 'Size Map' (Mappings/Size Map)" },
    };

    [Theory]
    [MemberData(nameof(NonAlphanumericNames))]
    public void A_logical_id_that_is_not_alphanumeric_is_an_error_at_its_line(string section, string name, string message)
    {
        var yaml = Template(section, name);

        var finding = Assert.Single(TestTemplates.CheckRule(yaml, "PF016"));
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
        Assert.Equal(LineOf(yaml, $"  {name}:"), finding.Line);
        Assert.Equal(section == "Resources" ? name : null, finding.Resource);
    }

    [Fact]
    public void A_logical_id_of_255_characters_passes_and_of_256_does_not()
    {
        Assert.Empty(TestTemplates.CheckRule(Template("Resources", new string('Q', 255)), "PF016"));

        var finding = Assert.Single(TestTemplates.CheckRule(Template("Resources", new string('Q', 256)), "PF016"));
        Assert.Contains("is 256 characters long, more than the 255", finding.Message, StringComparison.Ordinal);
    }

    /// <summary>A parameter type (<see cref="ParameterTemplate"/>), and whether CloudFormation refuses it.</summary>
    public static TheoryData<string, bool> ParameterTypes => new()
    {
        { "String", false },
        { "Number", false },
        { "List<Number>", false },
        { "CommaDelimitedList", false },
        { "AWS::EC2::VPC::Id", false },
        { "List<AWS::EC2::Subnet::Id>", false },
        { "AWS::SSM::Parameter::Value<String>", false },
        { "AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>", false },
        { "AWS::SSM::Parameter::Name", false },
        { "Strin", true },
        { "Boolean", true },
        { "string", true },
        // Undocumented, but CloudFormation accepts any list and any SSM parameter type (leaving their values unchecked).
        { "List<AWS::EC2::KeyPair::KeyName>", false },
        { "List<String>", false },
        { "AWS::SSM::Parameter::Value<AWS::EC2::PrefixList::Id>", false },
        { "AWS::SSM::Parameter::Value<List<AWS::EC2::KeyPair::KeyName>>", false },
        { "List<AWS::EC2::Subnet::Id>s", true },
        { "List<>", true },
        { "AWS::SSM::Parameter::Value<String>>", true },
        { "AWS::SSM::Parameter::Value<String", true },
        { "AWS::EC2::VPC::ID", true },
    };

    [Theory]
    [MemberData(nameof(ParameterTypes))]
    public void Parameter_types_are_the_ones_CloudFormation_has(string type, bool refused)
    {
        var findings = TestTemplates.CheckRule(ParameterTemplate(type), "PF016");

        if (refused)
        {
            var finding = Assert.Single(findings);
            Assert.Contains($"Unrecognized parameter type: {type}", finding.Message, StringComparison.Ordinal);
            Assert.Equal(3, finding.Line);
        }
        else
        {
            Assert.Empty(findings);
        }
    }

    [Fact]
    public void A_parameter_without_a_type_and_an_output_without_a_value_are_errors()
    {
        var findings = TestTemplates.CheckRule(UntypedParameterAndValuelessOutput, "PF016");

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Message.Contains("parameter Stage has no Type", StringComparison.Ordinal) && f.Line == 2);
        Assert.Contains(findings, f => f.Message.Contains("output Url has no Value", StringComparison.Ordinal) && f.Line == 8);
    }

    [Fact]
    public void A_description_over_1024_bytes_is_an_error_counted_in_bytes_not_characters()
    {
        // 342 three-byte characters: 1,026 bytes but 342 characters.
        var findings = TestTemplates.CheckRule($"Description: '{new string('€', 342)}'\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n", "PF016");
        Assert.Contains("1,026 bytes, more than the 1,024", Assert.Single(findings).Message, StringComparison.Ordinal);

        Assert.Empty(TestTemplates.CheckRule($"Description: '{new string('x', 1024)}'\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n", "PF016"));
    }

    [Fact]
    public void A_transform_may_supply_types_and_values_but_not_names()
    {
        var findings = TestTemplates.CheckRule("""
            Transform: MyMacro
            Parameters:
              Stage: { Type: MacroType }
            Resources:
              my-queue:
                Type: AWS::SQS::Queue
            Outputs:
              Url: { Description: the macro fills it in }
            """, "PF016");

        Assert.Contains("my-queue", Assert.Single(findings).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AWS::Serverless-2016-10-31")]
    [InlineData("AWS::LanguageExtensions")]
    public void Under_SAM_and_LanguageExtensions_types_and_values_are_judged_too(string transform)
    {
        var findings = TestTemplates.CheckRule($$"""
            Transform: {{transform}}
            Parameters:
              Stage: { Type: Strin }
            Resources:
              Queue:
                Type: AWS::SQS::Queue
            Outputs:
              Url: { Description: the queue's URL }
            """, "PF016");

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Message.Contains("parameter Stage has the Type 'Strin'", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Message.Contains("output Url has no Value", StringComparison.Ordinal));
    }

    /// <summary>A section, how many entries it gets (<see cref="QuotaTemplate"/>), and whether that is over its quota.</summary>
    public static TheoryData<string, int, bool> SectionQuotas => new()
    {
        { "Resources", 500, false },
        { "Resources", 501, true },
        { "Outputs", 200, false },
        { "Outputs", 201, true },
        { "Parameters", 201, true },
        { "Mappings", 201, true },
    };

    [Theory]
    [MemberData(nameof(SectionQuotas))]
    public void Sections_over_their_quota_are_errors(string section, int count, bool refused)
    {
        var findings = TestTemplates.CheckRule(QuotaTemplate(section, count), "PF017");

        if (refused)
        {
            var finding = Assert.Single(findings);
            Assert.Equal(Severity.Error, finding.Severity);
            Assert.Contains($"declares {count}", finding.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(findings);
        }
    }

    [Fact]
    public void A_mapping_over_200_attributes_is_an_error()
    {
        var finding = Assert.Single(TestTemplates.CheckRule(MappingTemplate(201), "PF017"));
        Assert.Contains("the mapping Sizes has 201 attributes", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_over_51200_bytes_is_an_info_outside_a_cloud_assembly_and_over_1_MB_an_error()
    {
        string Body(int bytes)
        {
            var head = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Metadata:\n      Note: '";
            return head + new string('x', bytes - head.Length - 2) + "'\n";
        }

        Assert.Empty(TestTemplates.CheckRule(Body(51_200), "PF017"));
        var inline = Assert.Single(TestTemplates.CheckRule(Body(51_201), "PF017"));
        Assert.Equal(Severity.Info, inline.Severity);
        Assert.Contains("51,201 bytes", inline.Message, StringComparison.Ordinal);
        // CDK uploads an assembly's templates to S3: the inline limit does not apply to them.
        Assert.Empty(TestTemplates.CheckRule(Body(51_201), "PF017", stackName: "payments-dev"));

        var tooLarge = Assert.Single(TestTemplates.CheckRule(Body(1_048_577), "PF017", stackName: "payments-dev"));
        Assert.Equal(Severity.Error, tooLarge.Severity);
        Assert.Contains("1,048,577 bytes, more than the 1,048,576 (1 MB)", tooLarge.Message, StringComparison.Ordinal);
    }

    internal const string UntypedParameterAndValuelessOutput = """
        Parameters:
          Stage:
            Default: dev
        Resources:
          Queue:
            Type: AWS::SQS::Queue
        Outputs:
          Url:
            Export: { Name: queue-url }
        """;

    /// <summary>A template whose mapping Sizes has <paramref name="attributes"/> attributes.</summary>
    internal static string MappingTemplate(int attributes) =>
        $"Mappings:\n  Sizes: {{ {string.Join(", ", Enumerable.Range(0, attributes).Select(i => $"k{i}: {{ v: x }}"))} }}\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n";

    /// <summary>A template whose parameter Stage has the type <paramref name="type"/>.</summary>
    internal static string ParameterTemplate(string type) =>
        $"Parameters:\n  Stage:\n    Type: '{type}'\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n";

    /// <summary>A template with <paramref name="count"/> entries in <paramref name="section"/> (and a resource when that is not Resources).</summary>
    internal static string QuotaTemplate(string section, int count)
    {
        var text = new StringBuilder();
        var entries = Enumerable.Range(0, count).Select(i => section switch
        {
            "Resources" => $"  Q{i}: {{ Type: AWS::SQS::Queue }}",
            "Outputs" => $"  O{i}: {{ Value: x }}",
            "Parameters" => $"  P{i}: {{ Type: String }}",
            _ => $"  M{i}: {{ k: {{ v: x }} }}",
        });
        text.AppendLine($"{section}:").AppendJoin('\n', entries).AppendLine();
        if (section != "Resources")
        {
            text.AppendLine("Resources:\n  Queue:\n    Type: AWS::SQS::Queue");
        }
        return text.ToString();
    }

    /// <summary>A template with <paramref name="name"/> as the logical ID of an entry in <paramref name="section"/>.</summary>
    internal static string Template(string section, string name) => section switch
    {
        "Resources" => $"Resources:\n  {name}:\n    Type: AWS::SQS::Queue\n",
        "Parameters" => $"Parameters:\n  {name}:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
        "Outputs" => $"Resources:\n  Queue:\n    Type: AWS::SQS::Queue\nOutputs:\n  {name}:\n    Value: x\n",
        "Conditions" => $"Conditions:\n  {name}: !Equals [a, b]\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
        _ => $"Mappings:\n  {name}:\n    dev: {{ Memory: 512 }}\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
    };

    private static int LineOf(string yaml, string text) =>
        yaml.Split('\n').Select((line, i) => (line, i)).First(x => x.line.StartsWith(text, StringComparison.Ordinal)).i + 1;
}
