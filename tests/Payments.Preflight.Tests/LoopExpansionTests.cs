using Payments.Preflight.Loading;
using Payments.Preflight.Model;

namespace Payments.Preflight.Tests;

/// <summary>
/// What <c>Transform: AWS::LanguageExtensions</c> makes of Fn::ForEach loops whose collection is spelled out: the
/// resources are judged by every rule as CloudFormation will see them after the transform, at the lines of the loop's
/// body; a loop over a parameter makes nothing before deploy, so nothing is said about it.
/// </summary>
public sealed class LoopExpansionTests
{
    [Fact]
    public void Each_item_makes_a_resource_that_the_rules_judge_at_the_line_of_the_loop_body()
    {
        var yaml = """
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Repositories:
                - Service
                - [payments, ledger]
                - Repository&{Service}:
                    Type: AWS::ECR::Repository
                    DeletionPolicy: Delete
                    Properties:
                      RepositoryName: !Ref Service
            """;

        var findings = TestTemplates.Check(yaml);

        var deleteFails = findings.Where(f => f.RuleId == "PF602").ToList();
        Assert.Equal(["Repositorypayments", "Repositoryledger"], deleteFails.Select(f => f.Resource));
        Assert.All(deleteFails, f => Assert.Equal(8, f.Line)); // the loop body's DeletionPolicy
        // Ref: Service became each item, so the fixed-name rule sees 'payments' and 'ledger'.
        var fixedNames = findings.Where(f => f.RuleId == "PF603").Select(f => f.Message).ToList();
        Assert.Equal(2, fixedNames.Count);
        Assert.Contains(fixedNames, m => m.Contains("'payments'", StringComparison.Ordinal));
        Assert.Contains(fixedNames, m => m.Contains("'ledger'", StringComparison.Ordinal));
    }

    [Fact]
    public void Nested_loops_and_a_loop_inside_properties_are_expanded_with_every_identifier()
    {
        var yaml = """
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Colours:
                - Colour
                - [blue, green]
                - Fn::ForEach::Queues:
                    - Name
                    - [orders, refunds]
                    - Queue${Colour}${Name}:
                        Type: AWS::SQS::Queue
                        Properties:
                          QueueName: !Sub '${Colour}-${Name}'
                          Fn::ForEach::Settings:
                            - Setting
                            - [Delay, Bogus]
                            - ${Setting}Seconds: 5
            """;

        var findings = TestTemplates.Check(yaml);

        // DelaySeconds is a property of AWS::SQS::Queue; BogusSeconds is not, once the property loop is expanded.
        var unknown = findings.Where(f => f.RuleId == "PF010").ToList();
        Assert.Equal(["Queueblueorders", "Queuebluerefunds", "Queuegreenorders", "Queuegreenrefunds"], unknown.Select(f => f.Resource));
        Assert.All(unknown, f => Assert.Contains("BogusSeconds", f.Message, StringComparison.Ordinal));
        Assert.All(unknown, f => Assert.Equal(16, f.Line)); // the property loop's output key
        // Fn::Sub got both loops' items: four fixed queue names.
        Assert.Equal(["blue-orders", "blue-refunds", "green-orders", "green-refunds"],
            findings.Where(f => f.RuleId == "PF603").Select(f => f.Message.Split('\'')[1]));
    }

    [Theory]
    [InlineData(499, false)]
    [InlineData(500, true)]
    public void The_resource_quota_counts_what_the_loops_make(int items, bool overQuota)
    {
        var names = string.Join(", ", Enumerable.Range(0, items).Select(i => $"q{i}"));
        var findings = TestTemplates.Check($$"""
            Transform: AWS::LanguageExtensions
            Resources:
              Topic:
                Type: AWS::SNS::Topic
              Fn::ForEach::Queues:
                - Name
                - [{{names}}]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
            """);

        var quota = findings.Where(f => f.RuleId == "PF017").ToList();
        Assert.Equal(overQuota, quota.Count == 1);
        Assert.All(quota, f => Assert.Contains("with what its Fn::ForEach loops make, the template has at least 501 resources", f.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{}")]                                         // outputs of nothing: a billion steps that make nothing
    [InlineData("{\"Queue${A}${B}${C}\": {\"Type\": \"AWS::SQS::Queue\"}}")]
    public void Loops_that_multiply_out_to_millions_stop_at_the_step_budget_with_a_warning(string innermost)
    {
        var items = Items("i", 1000);
        var json = $$$"""
            {"Transform": "AWS::LanguageExtensions", "Resources": {"Fn::ForEach::A": ["A", {{{items}}},
              {"Fn::ForEach::B": ["B", {{{items}}}, {"Fn::ForEach::C": ["C", {{{items}}}, {{{innermost}}}]}]}]}}
            """;

        var template = Load(json);
        var findings = TestTemplates.Check(json, path: "template.json");

        Assert.True(template.Resources.Count <= LoopExpansion.MaxResources);
        Assert.Equal(innermost == "{}", template.LoopsCut);
        if (template.LoopsCut)
        {
            Assert.Contains(findings, f => f.RuleId == "PF017" && f.Severity == Severity.Warning
                && f.Message.Contains($"more than {LoopExpansion.MaxSteps:N0} items and outputs", StringComparison.Ordinal));
        }
        else
        {
            // Resources stop at one past the quota, which PF017 reports as the error it is.
            Assert.Contains(findings, f => f.RuleId == "PF017" && f.Severity == Severity.Error);
        }
    }

    [Fact]
    public void Loops_inside_properties_that_multiply_out_stop_at_the_step_budget()
    {
        var items = Items("k", 100);
        var json = """{"Transform": "AWS::LanguageExtensions", "Resources": {"Fn::ForEach::Q": ["Q", ["x"], {"Queue${Q}": {"Type": "AWS::SQS::Queue", "Properties": {"""
            + $$"""
              "Fn::ForEach::A": ["A", {{items}}, {"Fn::ForEach::B": ["B", {{items}}, {"Fn::ForEach::C": ["C", {{items}}, {"${A}${B}${C}": 1}]}]}]
            """
            + "}}}]}}";

        var template = Load(json);

        var queue = Assert.Single(template.Resources).Value;
        Assert.InRange(Assert.IsType<MappingNode>(queue.Body["Properties"]).Count, 1, LoopExpansion.MaxSteps);
        Assert.True(template.LoopsCut);
    }

    private static string Items(string prefix, int count) => "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"{prefix}{i}\"")) + "]";

    private static Template Load(string json) =>
        new("template.json", Assert.IsType<MappingNode>(TemplateLoader.Parse("template.json", System.Text.Encoding.UTF8.GetBytes(json))), null, new Dictionary<string, string>());

    [Fact]
    public void A_loop_over_a_parameter_makes_nothing_to_judge_before_deploy()
    {
        var findings = TestTemplates.Check("""
            Transform: AWS::LanguageExtensions
            Parameters:
              Services:
                Type: CommaDelimitedList
            Resources:
              Fn::ForEach::Repositories:
                - Service
                - !Ref Services
                - Repository${Service}:
                    Type: AWS::ECR::Repository
                    DeletionPolicy: Delete
                    Properties:
                      RepositoryName: !Ref Service
            """);

        Assert.DoesNotContain(findings, f => f.Severity <= Severity.Warning);
    }

    [Fact]
    public void Without_the_transform_a_loop_makes_nothing_and_is_itself_the_finding()
    {
        var findings = TestTemplates.Check("""
            Resources:
              Fn::ForEach::Repositories:
                - Service
                - [payments]
                - Repository${Service}:
                    Type: AWS::ECR::Repository
            """);

        var finding = Assert.Single(findings, f => f.Severity == Severity.Error);
        Assert.Equal("PF003", finding.RuleId);
        Assert.Contains("needs `Transform: AWS::LanguageExtensions`", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deletion_policy_a_function_decides_is_not_taken_for_Delete()
    {
        // AWS::LanguageExtensions lets a parameter decide it; whether the stack's delete fails is known only then.
        var findings = TestTemplates.Check("""
            Transform: AWS::LanguageExtensions
            Parameters:
              Policy:
                Type: String
                AllowedValues: [Delete, Retain]
            Resources:
              Repository:
                Type: AWS::ECR::Repository
                DeletionPolicy: !Ref Policy
              Bucket:
                Type: AWS::S3::Bucket
                DeletionPolicy: !Ref Policy
                Properties:
                  VersioningConfiguration: { Status: Enabled }
            """);

        Assert.DoesNotContain(findings, f => f.RuleId is "PF601" or "PF602");
    }

    [Fact]
    public void The_loop_bodys_Metadata_suppresses_for_each_resource_it_makes()
    {
        var findings = TestTemplates.Check("""
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Repositories:
                - Service
                - [payments, ledger]
                - Repository${Service}:
                    Type: AWS::ECR::Repository
                    DeletionPolicy: Delete
                    Metadata:
                      preflight:
                        suppress:
                          - id: PF602
                            reason: a clean-up job empties these repositories before the stack is deleted
                    Properties:
                      RepositoryName: !Ref Service
            """);

        Assert.DoesNotContain(findings, f => f.RuleId == "PF602");
        Assert.Equal(2, findings.Count(f => f.RuleId == "PF603"));
    }

    [Fact]
    public void A_name_the_file_defines_is_not_replaced_by_one_a_loop_makes()
    {
        var findings = TestTemplates.Check("""
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Repositories:
                - Service
                - [payments]
                - Repository${Service}:
                    Type: AWS::ECR::Repository
                    DeletionPolicy: Delete
              Repositorypayments:
                Type: AWS::ECR::Repository
                DeletionPolicy: Retain
            """);

        Assert.DoesNotContain(findings, f => f.RuleId == "PF602");
    }
}
