using Payments.Preflight.Loading;
using Payments.Preflight.Model;

namespace Payments.Preflight.Tests;

public sealed class LoaderTests
{
    [Fact]
    public void Json_nodes_carry_their_lines()
    {
        var json = "{\n  \"Resources\": {\n    \"Bucket\": {\n      \"Type\": \"AWS::S3::Bucket\",\n      \"Properties\": {\n        \"BucketName\": \"x\"\n      }\n    }\n  }\n}\n";
        var root = Assert.IsType<MappingNode>(TemplateLoader.Parse("t.json", System.Text.Encoding.UTF8.GetBytes(json)));
        var resources = Assert.IsType<MappingNode>(root["Resources"]);
        Assert.Equal(3, resources.KeyLine("Bucket"));
        var bucket = Assert.IsType<MappingNode>(resources["Bucket"]);
        var properties = Assert.IsType<MappingNode>(bucket["Properties"]);
        Assert.Equal(6, properties["BucketName"]!.Line);
    }

    [Fact]
    public void Yaml_short_form_tags_become_long_form()
    {
        const string yaml = """
            Resources:
              Role:
                Type: AWS::IAM::Role
                Properties:
                  RoleName: !Sub "${AWS::StackName}-role"
                  Path: !Ref PathParameter
                  Arn: !GetAtt Other.Outputs.Arn
                  Joined: !Join [ "-", [ a, !Ref B ] ]
                  Conditional: !If [ IsProd, 1, !Ref AWS::NoValue ]
            """;
        var root = Assert.IsType<MappingNode>(TemplateLoader.Parse("t.yaml", System.Text.Encoding.UTF8.GetBytes(yaml)));
        var properties = (MappingNode)((MappingNode)((MappingNode)root["Resources"]!)["Role"]!)["Properties"]!;
        Assert.Equal("Fn::Sub", ((MappingNode)properties["RoleName"]!).IntrinsicName);
        Assert.Equal("Ref", ((MappingNode)properties["Path"]!).IntrinsicName);
        var getAtt = (MappingNode)properties["Arn"]!;
        var parts = Assert.IsType<SequenceNode>(getAtt["Fn::GetAtt"]);
        Assert.Equal(["Other", "Outputs.Arn"], parts.Items.Cast<ScalarNode>().Select(s => s.Value));
        Assert.Equal("Fn::Join", ((MappingNode)properties["Joined"]!).IntrinsicName);
        Assert.Equal("Fn::If", ((MappingNode)properties["Conditional"]!).IntrinsicName);
        Assert.Equal(9, properties["Conditional"]!.Line);
    }

    [Theory]
    [InlineData("!Ref Bucket", "Ref")]
    [InlineData("!Condition IsProd", "Condition")]
    [InlineData("!Base64 abc", "Fn::Base64")]
    [InlineData("!Cidr [ 10.0.0.0/16, 6, 5 ]", "Fn::Cidr")]
    [InlineData("!FindInMap [ Map, Top, Second ]", "Fn::FindInMap")]
    [InlineData("!GetAZs ''", "Fn::GetAZs")]
    [InlineData("!GetAtt Bucket.Arn", "Fn::GetAtt")]
    [InlineData("!GetAtt [ Bucket, Arn ]", "Fn::GetAtt")]
    [InlineData("!If [ IsProd, a, b ]", "Fn::If")]
    [InlineData("!ImportValue shared-vpc", "Fn::ImportValue")]
    [InlineData("!Join [ '-', [ a, b ] ]", "Fn::Join")]
    [InlineData("!Select [ 0, [ a, b ] ]", "Fn::Select")]
    [InlineData("!Split [ ',', 'a,b' ]", "Fn::Split")]
    [InlineData("!Sub '${AWS::Region}'", "Fn::Sub")]
    [InlineData("!Equals [ a, b ]", "Fn::Equals")]
    [InlineData("!And [ !Condition A, !Condition B ]", "Fn::And")]
    [InlineData("!Or [ !Condition A, !Condition B ]", "Fn::Or")]
    [InlineData("!Not [ !Condition A ]", "Fn::Not")]
    [InlineData("!Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }", "Fn::Transform")]
    [InlineData("!Length [ a, b ]", "Fn::Length")]
    [InlineData("!ToJsonString { a: b }", "Fn::ToJsonString")]
    [InlineData("!Contains [ [ a, b ], !Ref Env ]", "Fn::Contains")]
    [InlineData("!EachMemberEquals [ !ValueOfAll [ AWS::EC2::Subnet::Id, VpcId ], !Ref Vpc ]", "Fn::EachMemberEquals")]
    [InlineData("!EachMemberIn [ !ValueOfAll [ AWS::EC2::Subnet::Id, VpcId ], !RefAll AWS::EC2::VPC::Id ]", "Fn::EachMemberIn")]
    [InlineData("!ValueOf [ Subnet, VpcId ]", "Fn::ValueOf")]
    [InlineData("!ValueOfAll [ AWS::EC2::Subnet::Id, VpcId ]", "Fn::ValueOfAll")]
    [InlineData("!RefAll AWS::EC2::VPC::Id", "Fn::RefAll")]
    public void Every_yaml_short_form_intrinsic_becomes_its_long_form(string value, string longForm)
    {
        // A custom resource: its properties are free-form, so only the intrinsic itself is under test.
        var yaml = $"Resources:\n  Bucket:\n    Type: Custom::Probe\n    Properties:\n      Value: {value}\n      ServiceToken: arn:aws:lambda:eu-west-1:123456789012:function:probe\n";
        var root = Assert.IsType<MappingNode>(TemplateLoader.Parse("t.yaml", System.Text.Encoding.UTF8.GetBytes(yaml)));
        var properties = (MappingNode)((MappingNode)((MappingNode)root["Resources"]!)["Bucket"]!)["Properties"]!;
        var intrinsic = Assert.IsType<MappingNode>(properties["Value"]);
        Assert.Equal(longForm, intrinsic.IntrinsicName);
        Assert.Equal(5, intrinsic.Line);
        // PF014/PF015 judge the template CloudFormation would see (here IsProd, Map and Env are not defined, and
        // the Rules-section and LanguageExtensions functions are out of place); nothing else may fail on it.
        Assert.DoesNotContain(TestTemplates.Check(yaml), f => f.Severity == Severity.Error && f.RuleId is not ("PF014" or "PF015"));
    }

    [Fact]
    public void Rules_section_assertions_in_short_form_parse()
    {
        // The shape of AWS's SapPrivateLink sample: a Rules section with !Contains/!EachMemberEquals/!ValueOf.
        const string yaml = """
            Parameters:
              Env: { Type: String }
              Vpc: { Type: AWS::EC2::VPC::Id }
              Subnets: { Type: List<AWS::EC2::Subnet::Id> }
            Rules:
              SubnetsInVpc:
                RuleCondition: !Contains [ [ dev, prod ], !Ref Env ]
                Assertions:
                  - Assert: !EachMemberEquals [ !ValueOfAll [ AWS::EC2::Subnet::Id, VpcId ], !Ref Vpc ]
                  - Assert: !EachMemberIn [ !ValueOf [ Vpc, Tags ], !RefAll AWS::EC2::VPC::Id ]
            Resources:
              Topic: { Type: AWS::SNS::Topic }
            """;
        Assert.Empty(TestTemplates.Check(yaml));
    }

    [Theory]
    [InlineData("|", "\n{\n  \"a\": 1\n}\n", true)]
    [InlineData("|-", "\n{\n  \"a\": 1\n}", true)]
    [InlineData(">", "\n{\n  \"a\": 1\n}\n", false)]
    public void Block_scalar_with_a_short_whitespace_only_first_line_parses_as_in_cloudformation(string indicator, string expected, bool yamlDotNetRejects)
    {
        // The first content line has 12 spaces; the blank line above it has 9. Valid YAML (leading empty lines may
        // hold up to the content's indentation), read by CloudFormation, rejected by YamlDotNet itself.
        var yaml = $"Resources:\n  Method:\n    Type: AWS::ApiGateway::Method\n    Properties:\n      Template: !Sub {indicator}\n         \n            {{\n              \"a\": 1\n            }}\n      HttpMethod: POST\n";
        var rejected = Record.Exception(() =>
        {
            var raw = new YamlDotNet.Core.Parser(new StringReader(yaml));
            while (raw.MoveNext())
            {
            }
        });
        Assert.Equal(yamlDotNetRejects, rejected is YamlDotNet.Core.SemanticErrorException);

        var root = Assert.IsType<MappingNode>(TemplateLoader.Parse("t.yaml", System.Text.Encoding.UTF8.GetBytes(yaml)));
        var properties = (MappingNode)((MappingNode)((MappingNode)root["Resources"]!)["Method"]!)["Properties"]!;
        var sub = Assert.IsType<ScalarNode>(Assert.IsType<MappingNode>(properties["Template"])["Fn::Sub"]);
        Assert.Equal(expected, sub.Value);
        Assert.Equal(10, properties["HttpMethod"]!.Line);
    }

    [Fact]
    public void Block_scalar_blank_lines_deeper_than_the_content_or_inside_it_are_left_alone()
    {
        // A leading blank line with more spaces than the content is invalid YAML (YAML 1.2, 8.1.1.1) and stays an
        // error; a whitespace-only line inside the content is content.
        var invalid = Assert.Throws<TemplateLoadException>(() => TemplateLoader.Parse("t.yaml", "a: |\n      \n  x\n"u8.ToArray()));
        Assert.Equal("PF001", invalid.RuleId);
        var root = Assert.IsType<MappingNode>(TemplateLoader.Parse("t.yaml", "b: |\n  first\n   \n  last\nc: d\n"u8.ToArray()));
        Assert.Equal("first\n \nlast\n", ((ScalarNode)root["b"]!).Value);
        Assert.Equal(5, root["c"]!.Line);
    }

    [Fact]
    public void Duplicate_keys_keep_the_last_value_and_are_a_warning_with_both_lines()
    {
        const string yaml = """
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: 30
                  VisibilityTimeout: 60
              Queue:
                Type: AWS::SNS::Topic
            """;
        var root = Assert.IsType<MappingNode>(TemplateLoader.Parse("t.yaml", System.Text.Encoding.UTF8.GetBytes(yaml)));
        Assert.Equal("AWS::SNS::Topic", ((ScalarNode)((MappingNode)((MappingNode)root["Resources"]!)["Queue"]!)["Type"]!).Value);
        var findings = TestTemplates.Check(yaml);
        Assert.Equal([(6, "PF007"), (7, "PF007")], findings.Select(f => (f.Line ?? 0, f.RuleId)));
        Assert.All(findings, f => Assert.Equal(Severity.Warning, f.Severity));
        Assert.Contains("first on line 2", findings[1].Message, StringComparison.Ordinal);

        var json = "{\"Resources\": {\n \"Q\": {\"Type\": \"AWS::SQS::Queue\"},\n \"Q\": {\"Type\": \"AWS::SNS::Topic\"}}}";
        var jsonFinding = Assert.Single(TestTemplates.Check(json, path: "t.json"));
        Assert.Equal(("PF007", 3), (jsonFinding.RuleId, jsonFinding.Line));
    }

    [Fact]
    public void Truncated_json_is_a_finding_with_a_line()
    {
        var findings = TestTemplates.Check("{\n  \"Resources\": {\n    \"A\": {\n", path: "t.json");
        var finding = Assert.Single(findings);
        Assert.Equal("PF001", finding.RuleId);
        Assert.NotNull(finding.Line);
    }

    [Theory]
    [InlineData("t.json", "{\n  \"Resources\": {\n    \"B\": {\n      \"Type\": \"AWS::S3::Bucket\",\n      \"Properties\": { \"BucketName\": \"caf\u00e9\" }\n    }\n  }\n}\n", 5)]
    [InlineData("t.json", "{\n  \"Resources\": {\n    \"B\u00e9\": { \"Type\": \"AWS::S3::Bucket\" }\n  }\n}\n", 3)]
    [InlineData("t.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: caf\u00e9\n", 5)]
    public void Bytes_that_are_not_utf8_are_a_parse_finding_at_their_line(string path, string text, int line)
    {
        // Latin-1 writes é as the lone byte 0xE9, which is not UTF-8 (a string value, a key, a YAML scalar).
        var finding = Assert.Throws<TemplateLoadException>(() => TemplateLoader.Parse(path, System.Text.Encoding.Latin1.GetBytes(text)));

        Assert.Equal(("PF001", line), (finding.RuleId, finding.Line));
        Assert.StartsWith("the file is not UTF-8 text", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t.json", "utf-16", true, "UTF-16")]
    [InlineData("t.json", "utf-16BE", true, "UTF-16")]
    [InlineData("t.json", "utf-16", false, "UTF-16")]
    [InlineData("t.yaml", "utf-16", true, "UTF-16")]
    [InlineData("t.yaml", "utf-32", true, "UTF-32")]
    [InlineData("t.yaml", "utf-32", false, "UTF-32")]
    public void Utf16_and_utf32_files_are_a_parse_finding_that_names_the_encoding(string path, string encodingName, bool byteOrderMark, string named)
    {
        var encoding = System.Text.Encoding.GetEncoding(encodingName);
        var text = path.EndsWith(".json", StringComparison.Ordinal) ? "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\"}}}\n" : "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
        byte[] bytes = [.. byteOrderMark ? encoding.GetPreamble() : [], .. encoding.GetBytes(text)];

        var finding = Assert.Throws<TemplateLoadException>(() => TemplateLoader.Parse(path, bytes));

        Assert.Equal(("PF001", 1), (finding.RuleId, finding.Line));
        Assert.StartsWith($"the file is {named} text, not UTF-8", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\\ud800\\u0000", false)]
    [InlineData("\\ud800x", false)]
    [InlineData("\\udc00", false)]
    [InlineData("\\ud800\\u0000", true)]
    public void A_json_escape_of_half_a_surrogate_pair_is_a_parse_finding_at_its_line(string escape, bool inKey)
    {
        var json = inKey
            ? $"{{\n  \"Resources\": {{\n    \"Q{escape}\": {{ \"Type\": \"AWS::SQS::Queue\" }}\n  }}\n}}\n"
            : $"{{\n  \"Resources\": {{\n    \"Q\": {{\n      \"Type\": \"AWS::SQS::Queue\",\n      \"Properties\": {{ \"QueueName\": \"{escape}\" }}\n    }}\n  }}\n}}\n";

        var finding = Assert.Single(TestTemplates.Check(json, path: "t.json"));

        Assert.Equal(("PF001", inKey ? 3 : 5), (finding.RuleId, finding.Line));
        Assert.Contains("one half of a UTF-16 surrogate pair", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_escape_of_a_whole_surrogate_pair_is_one_character()
    {
        var root = (MappingNode)TemplateLoader.Parse("t.json", "{\"a\": \"\\ud83d\\ude00\"}"u8.ToArray());

        Assert.Equal("\U0001F600", ((ScalarNode)root["a"]!).Value);
    }

    [Theory]
    [InlineData("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {--\n    e\n", 5, "InvalidOperationException")]
    [InlineData("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: !!str!!str]\n    Other: 1\n", 4, "ArgumentException")]
    public void Yaml_on_which_YamlDotNet_throws_other_than_a_YamlException_is_a_parse_finding_at_its_line(string yaml, int line, string failure)
    {
        var finding = Assert.Single(TestTemplates.Check(yaml));

        Assert.Equal(("PF001", line), (finding.RuleId, finding.Line));
        Assert.Contains($"YamlDotNet stops near this line ({failure}", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Resources:\n  B:\n    Type: AWS::S3::Bucket\n---\nResources:\n  C:\n    Type: AWS::Nope::X\n", 4)]
    [InlineData("---\nResources:\n  B:\n    Type: AWS::S3::Bucket\n...\n--- garbage: [\n", 6)]
    [InlineData("Resources:\n  B:\n    Type: AWS::S3::Bucket\n---\n~\n", 4)]
    [InlineData("Resources:\n  B:\n    Type: AWS::S3::Bucket\n---\n---\nResources: {}\n", 5)]
    public void A_second_yaml_document_is_a_parse_finding_not_dropped(string yaml, int line)
    {
        // cfn-lint: "expected a single document in the stream"; the second document's content or syntax error is reported.
        var finding = Assert.Single(TestTemplates.Check(yaml));

        Assert.Equal(("PF001", line), (finding.RuleId, finding.Line));
    }

    [Theory]
    [InlineData("---\n")]
    [InlineData("...\n")]
    [InlineData("---\n...\n")]
    [InlineData("--- # end of template\n")]
    public void A_trailing_document_marker_with_nothing_after_it_is_no_second_document(string trailer)
    {
        var findings = TestTemplates.Check("Resources:\n  B:\n    Type: AWS::Nope::X\n" + trailer);

        Assert.Equal(("PF013", 3), (Assert.Single(findings).RuleId, findings[0].Line));
    }

    [Fact]
    public void Yaml_alias_bomb_is_a_finding()
    {
        var rows = new List<string> { "a: &a [x, x, x, x, x, x, x, x, x, x]" };
        for (var level = 1; level < 9; level++)
        {
            var previous = (char)('a' + level - 1);
            var current = (char)('a' + level);
            rows.Add($"{current}: &{current} [{string.Join(", ", Enumerable.Repeat($"*{previous}", 10))}]");
        }

        var finding = Assert.Single(TestTemplates.Check(string.Join('\n', rows)));
        Assert.Equal("PF002", finding.RuleId);
    }

    [Theory]
    [InlineData("t.json")]
    [InlineData("t.yaml")]
    public void Deep_nesting_is_a_finding(string path)
    {
        var text = path.EndsWith(".json", StringComparison.Ordinal)
            ? string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000)
            : string.Concat(Enumerable.Repeat("[", 5000)) + new string(']', 5000);
        var finding = Assert.Single(TestTemplates.Check(text, path: path));
        Assert.Equal("PF002", finding.RuleId);
    }

    [Fact]
    public void Crlf_and_bom_json_keep_lines()
    {
        var json = "\uFEFF{\r\n  \"Resources\": {\r\n    \"Logs\": {\r\n      \"Type\": \"AWS::Logs::LogGroup\",\r\n      \"Properties\": { \"RetentionInDays\": 45 }\r\n    }\r\n  }\r\n}\r\n";
        var finding = Assert.Single(TestTemplates.Check(json, path: "t.json"));
        Assert.Equal(("PF402", 5), (finding.RuleId, finding.Line));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Json_and_yaml_count_lf_crlf_and_cr_line_ends_alike(string lineEnd)
    {
        string[] json = ["{", "  \"Resources\": {", "    \"Logs\": {", "      \"Type\": \"AWS::Logs::LogGroup\",", "      \"Properties\": { \"RetentionInDays\": 45 }", "    }", "  }", "}"];
        string[] yaml = ["Resources:", "  Logs:", "    Type: AWS::Logs::LogGroup", "    Properties:", "      RetentionInDays: 45"];

        var fromJson = Assert.Single(TestTemplates.Check(string.Join(lineEnd, json), path: "t.json"));
        var fromYaml = Assert.Single(TestTemplates.Check(string.Join(lineEnd, yaml)));
        var syntaxError = Assert.Single(TestTemplates.Check(string.Join(lineEnd, json[..5]) + lineEnd + "    ]", path: "t.json"));

        Assert.Equal(("PF402", 5), (fromJson.RuleId, fromJson.Line));
        Assert.Equal(("PF402", 5), (fromYaml.RuleId, fromYaml.Line));
        Assert.Equal(("PF001", 6), (syntaxError.RuleId, syntaxError.Line));
    }

    [Fact]
    public void Template_extension_is_sniffed_as_json_or_yaml()
    {
        var asJson = TestTemplates.Check("{\"Resources\": {\"L\": {\"Type\": \"AWS::Logs::LogGroup\", \"Properties\": {\"RetentionInDays\": 2}}}}", path: "stack.template");
        var asYaml = TestTemplates.Check("Resources:\n  L:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 2\n", path: "stack.template");
        Assert.Equal("PF402", Assert.Single(asJson).RuleId);
        Assert.Equal(5, Assert.Single(asYaml).Line);
    }

    [Fact]
    public void Yaml_quoted_values_stay_strings_and_plain_ones_are_typed()
    {
        var root = (MappingNode)TemplateLoader.Parse("t.yaml", System.Text.Encoding.UTF8.GetBytes("a: '80'\nb: 80\nc: true\nd: ~\ne: 0x1F\nf: !!str 12\n"));
        Assert.Equal(ScalarKind.String, ((ScalarNode)root["a"]!).Kind);
        Assert.Equal(ScalarKind.Number, ((ScalarNode)root["b"]!).Kind);
        Assert.Equal(ScalarKind.Boolean, ((ScalarNode)root["c"]!).Kind);
        Assert.Equal(ScalarKind.Null, ((ScalarNode)root["d"]!).Kind);
        Assert.Equal(ScalarKind.String, ((ScalarNode)root["e"]!).Kind);
        Assert.Equal(ScalarKind.String, ((ScalarNode)root["f"]!).Kind);
    }
}
