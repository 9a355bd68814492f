namespace Payments.Verification.Tests;

public sealed class VerificationProgramTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("verification-program-").FullName;
    private readonly StringWriter output = new();
    private readonly StringWriter errors = new();

    [Fact]
    public async Task A_balance_that_does_not_move_fails_the_run_naming_the_check()
    {
        await using var deployment = await FakeDeployment.StartAsync();
        var outputs = deployment.WriteOutputs(directory);

        var exit = await RunAsync(["--outputs", outputs, "--s3-endpoint", deployment.Url.ToString(), "--log-timeout", "1"], FakeDeployment.ApiKey);

        Assert.Equal(1, exit);
        var text = output.ToString();
        Assert.Contains("PASS capture", text, StringComparison.Ordinal);
        Assert.Contains("FAIL balance-moved", text, StringComparison.Ordinal);
        Assert.Contains("usd balance moved by captured 0, refunded 0, net 0, expected exactly captured 1234, refunded 234, net 1000", text, StringComparison.Ordinal);
        Assert.Contains("FAIL transaction-log-events", text, StringComparison.Ordinal);
        Assert.Contains("lacks payment.authorized pay_fake, payment.captured pay_fake, refund.succeeded re_fake", text, StringComparison.Ordinal);
        Assert.EndsWith("(failed: balance-moved, transaction-log-events)" + Environment.NewLine, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_the_service_does_not_know_fails_every_merchant_call_with_a_hint()
    {
        await using var deployment = await FakeDeployment.StartAsync();
        var outputs = deployment.WriteOutputs(directory);

        var exit = await RunAsync(["--outputs", outputs, "--s3-endpoint", deployment.Url.ToString(), "--log-timeout", "1"], "sk_someone_else_123456");

        Assert.Equal(1, exit);
        var text = output.ToString();
        Assert.Contains("PASS readiness", text, StringComparison.Ordinal);
        Assert.Contains("FAIL balance-before", text, StringComparison.Ordinal);
        Assert.Contains("expected HTTP 200, got 401 authentication_error/invalid_api_key", text, StringComparison.Ordinal);
        Assert.Contains("the key must be the verification merchant's", text, StringComparison.Ordinal);
        Assert.Contains("SKIP capture", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_api_key_nothing_runs_and_the_variable_is_named()
    {
        var outputs = Path.Combine(directory, "flat-outputs.json");
        File.WriteAllText(outputs, """{"ApiUrl":"http://127.0.0.1:9","TransactionLogBucketName":"b","TransactionLogPrefix":"p/"}""");

        Assert.Equal(2, await RunAsync(["--outputs", outputs], apiKey: null));
        Assert.Contains("PAYMENTS_VERIFY_API_KEY is not set", errors.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Missing_outputs_stop_the_run_before_any_check()
    {
        Assert.Equal(2, await RunAsync(["--outputs", Path.Combine(directory, "none.json")], "sk_key_12345678"));
        Assert.Contains("none.json does not exist", errors.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Theory]
    [InlineData("--verbose", "unknown argument '--verbose'")]
    [InlineData("--log-timeout", "--log-timeout needs a value")]
    public async Task A_wrong_argument_prints_the_usage(string argument, string message)
    {
        Assert.Equal(2, await RunAsync([argument], "sk_key_12345678"));
        Assert.Contains(message, errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: Payments.Verification", errors.ToString(), StringComparison.Ordinal);
    }

    private Task<int> RunAsync(string[] args, string? apiKey) =>
        VerificationProgram.RunAsync(args, name => name switch
        {
            VerificationProgram.ApiKeyVariable => apiKey,
            "AWS_ACCESS_KEY_ID" or "AWS_SECRET_ACCESS_KEY" => "FAKE",
            _ => null,
        }, output, errors, CancellationToken.None);

    public void Dispose()
    {
        output.Dispose();
        errors.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
