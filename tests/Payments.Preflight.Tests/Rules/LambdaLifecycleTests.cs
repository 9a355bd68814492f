namespace Payments.Preflight.Tests.Rules;

public sealed class LambdaLifecycleTests
{
    private const string Node20 = """
        Resources:
          Handler:
            Type: AWS::Lambda::Function
            Metadata:
              aws:cdk:path: payments-dev/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler
            Properties:
              Runtime: nodejs20.x
              Handler: index.handler
              Code: { S3Bucket: assets, S3Key: handler.zip }
        """;

    [Theory]
    [InlineData("2026-03-01", null, null)]
    [InlineData("2026-05-15", "PF504", "deprecated since 2026-04-30")]
    [InlineData("2026-06-01", "PF504", "the sources disagree")]
    [InlineData("2026-11-23", "PF504", "the sources disagree")]
    [InlineData("2027-02-01", "PF503", "since 2027-02-01")]
    public void Nodejs20_is_an_error_only_once_the_later_block_date_has_passed(string today, string? expected, string? fragment)
    {
        // cfn-lint's data blocks creation on 2026-06-01, AWS's later schedule on 2027-02-01: until the later date the
        // block is not certain, so it is a warning naming both dates.
        var findings = PreflightEngine.CheckText("t.yaml", Node20, new PreflightOptions { Today = DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture) })
            .Where(f => f.RuleId is "PF503" or "PF504").ToList();
        if (expected is null)
        {
            Assert.Empty(findings);
        }
        else
        {
            var finding = Assert.Single(findings);
            Assert.Equal(expected, finding.RuleId);
            Assert.Equal(expected == "PF503" ? Severity.Error : Severity.Warning, finding.Severity);
            Assert.Contains(fragment!, finding.Message, StringComparison.Ordinal);
            Assert.Contains("a function CDK adds itself", finding.Message, StringComparison.Ordinal);
            Assert.Contains("nodejs24.x", finding.Message, StringComparison.Ordinal);
            if (fragment == "the sources disagree")
            {
                Assert.Contains("2026-06-01", finding.Message, StringComparison.Ordinal);
                Assert.Contains("2027-02-01", finding.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("python3.7", "PF503", "python3.14")]
    [InlineData("go1.x", "PF503", "provided.al2023")]
    [InlineData("dotnet6", "PF504", "dotnet10")]
    [InlineData("dotnet8", "PF504", "dotnet10")]
    [InlineData("dotnetcore3.1", "PF503", "dotnet10")]
    public void Advice_names_a_runtime_that_can_still_be_created(string runtime, string rule, string advice)
    {
        // dotnet9, the data's successor for .NET, is container-only: a zip function cannot use it.
        var yaml = $"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: {runtime}\n      Handler: a::b::c\n      Code: {{ S3Bucket: b, S3Key: k }}\n";
        var finding = Assert.Single(TestTemplates.Check(yaml), f => f.RuleId is "PF503" or "PF504");
        Assert.Equal(rule, finding.RuleId);
        Assert.EndsWith($"Use {advice}.", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet9", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_date_is_today()
    {
        var findings = PreflightEngine.CheckText("t.yaml", Node20);
        Assert.Contains(findings, f => f.RuleId is "PF503" or "PF504");
    }
}
