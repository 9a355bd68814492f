namespace Payments.Verification.Tests;

public sealed class CheckRunnerTests
{
    [Fact]
    public async Task Every_check_passing_exits_zero_with_one_line_per_check()
    {
        using var output = new StringWriter();
        var runner = new CheckRunner(output);

        await runner.RunAsync("readiness", _ => Task.FromResult("GET /healthz/ready 200"), CancellationToken.None);
        await runner.RunAsync("capture", _ => Task.FromResult("pay_1 succeeded"), CancellationToken.None, "readiness");

        Assert.Equal(0, runner.ExitCode);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("PASS readiness ", lines[0], StringComparison.Ordinal);
        Assert.Contains("GET /healthz/ready 200", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("PASS capture ", lines[1], StringComparison.Ordinal);
        Assert.Equal("2 passed, 0 failed, 0 skipped", runner.Summary());
    }

    [Fact]
    public async Task A_failed_check_exits_non_zero_names_the_check_and_skips_what_needs_it()
    {
        using var output = new StringWriter();
        var runner = new CheckRunner(output);

        await runner.RunAsync("create-payment", _ => throw new CheckFailedException("POST /v1/payments: expected HTTP 201, got 500"), CancellationToken.None);
        await runner.RunAsync("capture", _ => Task.FromResult("never runs"), CancellationToken.None, "create-payment");
        await runner.RunAsync("transaction-log-access", _ => Task.FromResult("s3://b/p/: no batch yet"), CancellationToken.None);

        Assert.Equal(1, runner.ExitCode);
        var text = output.ToString();
        Assert.Contains("FAIL create-payment", text, StringComparison.Ordinal);
        Assert.Contains("POST /v1/payments: expected HTTP 201, got 500", text, StringComparison.Ordinal);
        Assert.Contains("SKIP capture", text, StringComparison.Ordinal);
        Assert.Contains("needs create-payment", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never runs", text, StringComparison.Ordinal);
        Assert.Equal("1 passed, 1 failed, 1 skipped (failed: create-payment)", runner.Summary());
    }

    [Fact]
    public async Task An_unexpected_exception_fails_the_check_with_its_type()
    {
        using var output = new StringWriter();
        var runner = new CheckRunner(output);

        var passed = await runner.RunAsync("transaction-log-access", _ => throw new HttpRequestException("Connection refused"), CancellationToken.None);

        Assert.False(passed);
        Assert.Equal(1, runner.ExitCode);
        Assert.Contains("FAIL transaction-log-access", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("HttpRequestException: Connection refused", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_check_run_is_not_a_pass() => Assert.Equal(1, new CheckRunner(TextWriter.Null).ExitCode);
}
