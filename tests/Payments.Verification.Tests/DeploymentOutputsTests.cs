namespace Payments.Verification.Tests;

public sealed class DeploymentOutputsTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("verification-outputs-").FullName;

    private const string Complete = """
        {"AlbDnsName":"payments-dev-alb-1.eu-west-1.elb.amazonaws.com","ApiUrl":"http://payments-dev-alb-1.eu-west-1.elb.amazonaws.com",
         "TransactionLogBucketName":"payments-dev-transaction-log-111122223333-eu-west-1","TransactionLogPrefix":"transaction-log/"}
        """;

    [Fact]
    public void The_flat_outputs_of_a_deployed_environment_give_the_url_bucket_and_prefix()
    {
        var outputs = DeploymentOutputs.Parse(Complete, "flat-outputs.json");

        Assert.Equal(new Uri("http://payments-dev-alb-1.eu-west-1.elb.amazonaws.com"), outputs.ApiUrl);
        Assert.Equal("payments-dev-transaction-log-111122223333-eu-west-1", outputs.TransactionLogBucketName);
        Assert.Equal("transaction-log/", outputs.TransactionLogPrefix);
    }

    [Fact]
    public void A_missing_file_says_how_to_write_it()
    {
        var path = Path.Combine(directory, "cfn-outputs", "flat-outputs.json");

        var error = Assert.Throws<OutputsException>(() => DeploymentOutputs.Load(path));

        Assert.Contains($"{path} does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("flat-outputs.sh <env>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_json_is_named()
    {
        var path = Path.Combine(directory, "outputs.json");
        File.WriteAllText(path, "ApiUrl=http://x");

        var error = Assert.Throws<OutputsException>(() => DeploymentOutputs.Load(path));

        Assert.StartsWith($"{path} is not JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_stacks_json_instead_of_the_flat_file_is_refused_with_the_keys_found()
    {
        var error = Assert.Throws<OutputsException>(() => DeploymentOutputs.Parse("""{"Stacks":[]}""", "out.json"));

        Assert.Contains("'ApiUrl' is missing; 'TransactionLogBucketName' is missing; 'TransactionLogPrefix' is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("keys present: Stacks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_array_is_not_a_flat_outputs_object() =>
        Assert.Contains("found a JSON array", Assert.Throws<OutputsException>(() => DeploymentOutputs.Parse("[]", "out.json")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"ApiUrl":42,"TransactionLogBucketName":"b","TransactionLogPrefix":"p/"}""", "'ApiUrl' must be a non-empty string (found 42)")]
    [InlineData("""{"ApiUrl":"http://a","TransactionLogBucketName":"","TransactionLogPrefix":"p/"}""", "'TransactionLogBucketName' must be a non-empty string (found \"\")")]
    [InlineData("""{"ApiUrl":"ftp://a","TransactionLogBucketName":"b","TransactionLogPrefix":"p/"}""", "'ApiUrl' must be an http(s) URL (found 'ftp://a')")]
    [InlineData("""{"ApiUrl":"payments-dev-alb","TransactionLogBucketName":"b","TransactionLogPrefix":"p/"}""", "'ApiUrl' must be an http(s) URL (found 'payments-dev-alb')")]
    public void A_wrong_value_is_named_with_what_was_found(string json, string message) =>
        Assert.Contains(message, Assert.Throws<OutputsException>(() => DeploymentOutputs.Parse(json, "out.json")).Message, StringComparison.Ordinal);

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
