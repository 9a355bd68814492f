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
    [InlineData("2026-03-01", null)]
    [InlineData("2026-05-15", "PF504")]
    [InlineData("2026-06-01", "PF503")]
    [InlineData("2026-11-23", "PF503")]
    public void Runtime_findings_follow_the_date(string today, string? expected)
    {
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
            Assert.Contains("a function CDK adds itself", finding.Message, StringComparison.Ordinal);
            Assert.Contains("nodejs24.x", finding.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Default_date_is_today()
    {
        var findings = PreflightEngine.CheckText("t.yaml", Node20);
        Assert.Contains(findings, f => f.RuleId is "PF503" or "PF504");
    }
}
