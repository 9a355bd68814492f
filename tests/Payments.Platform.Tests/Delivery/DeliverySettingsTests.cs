using Payments.Platform.Delivery;

namespace Payments.Platform.Tests.Delivery;

public sealed class DeliverySettingsTests
{
    private const string Connection = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/0f6a3c52-8f1d-4a7e-9b1e-3d2c1b0a9f8e";

    private static DeliverySettings From(Dictionary<string, string> context) =>
        DeliverySettings.FromContext(key => context.TryGetValue(key, out var value) ? value : null);

    [Fact]
    public void Defaults_to_the_S3_source_key_and_a_90_minute_stuck_threshold()
    {
        var settings = From([]);
        Assert.False(settings.UsesGitHub);
        Assert.Equal("payments/source.zip", settings.SourceObjectKey);
        Assert.Equal("main", settings.Branch);
        Assert.Equal(90, settings.StuckAfterMinutes);
        Assert.Empty(settings.TestTlsHosts);
    }

    [Fact]
    public void A_connection_and_repository_select_GitHub()
    {
        var settings = From(new() { ["sourceConnectionArn"] = Connection, ["sourceRepository"] = "org/payments", ["sourceBranch"] = "release", ["pipelineStuckAfterMinutes"] = "45", ["testTlsHost:prod"] = "api.example.com" });
        Assert.True(settings.UsesGitHub);
        Assert.Equal("release", settings.Branch);
        Assert.Equal(45, settings.StuckAfterMinutes);
        Assert.Equal("api.example.com", settings.TestTlsHosts["prod"]);
    }

    [Theory]
    [InlineData("sourceConnectionArn", "ghp_0123456789abcdef", "connection ARN")]
    [InlineData("sourceRepository", "org/payments", "needs sourceConnectionArn")]
    [InlineData("sourceObjectKey", "/abs/source.zip", "relative key ending in .zip")]
    [InlineData("sourceObjectKey", "payments/source.tar", "relative key ending in .zip")]
    [InlineData("pipelineStuckAfterMinutes", "0", "positive whole number")]
    [InlineData("pipelineStuckAfterMinutes", "1.5", "positive whole number")]
    public void Bad_configuration_is_refused_with_the_value(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => From(new() { [key] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("payments")]
    [InlineData("org/")]
    [InlineData("org/payments/extra")]
    public void A_connection_needs_an_owner_slash_name_repository(string? repository)
    {
        var context = new Dictionary<string, string> { ["sourceConnectionArn"] = Connection };
        if (repository is not null)
        {
            context["sourceRepository"] = repository;
        }
        var error = Assert.Throws<ArgumentException>(() => From(context));
        Assert.Contains("owner/name", error.Message, StringComparison.Ordinal);
    }
}
