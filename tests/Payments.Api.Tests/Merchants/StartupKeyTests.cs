using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Merchants;

/// <summary>
/// The ways a person gets a key, through the built service as a real process: the README's
/// <c>dotnet run</c> (Development) prints one at start-up, and the admin command prints one on stdout.
/// </summary>
public sealed partial class StartupKeyTests : IDisposable
{
    private readonly ScratchDirectory scratch = new("startup-keys-");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void Readme_run_command_starts_the_service_in_development()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Assert.Contains("dotnet run --project src/Payments.Api\n", readme, StringComparison.Ordinal);

        // `dotnet run` applies the first profile of launchSettings.json; without it the host is
        // Production, creates no merchant and prints no key.
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "src", "Payments.Api", "Properties", "launchSettings.json")));
        var profile = settings.RootElement.GetProperty("profiles").EnumerateObject().First().Value;
        Assert.Equal("Project", profile.GetProperty("commandName").GetString());
        Assert.Equal("Development", profile.GetProperty("environmentVariables").GetProperty("ASPNETCORE_ENVIRONMENT").GetString());
    }

    [Fact]
    public async Task Development_without_merchants_prints_a_test_key_that_works()
    {
        using var service = ServiceProcess.Start(scratch.Path, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Payments"] = $"Data Source={Path.Combine(scratch.Path, "payments.db")}",
            ["Payments__TransactionLog__Directory"] = Path.Combine(scratch.Path, "transaction-log"),
            ["Payments__Shutdown__DrainDelaySeconds"] = "0",
        });
        await service.WaitUntilReadyAsync();

        var key = PrintedKey().Match(service.Output);
        Assert.True(key.Success, "no 'Bearer sk_…' line at start-up:\n" + service.Output);
        Assert.Contains("acct_dev", service.Output, StringComparison.Ordinal);
        service.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Groups["key"].Value);
        using var content = new StringContent(ApiTestBase.PaymentBody(), Encoding.UTF8, "application/json");
        using var created = await service.Client.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Production_without_merchants_prints_no_key()
    {
        using var service = ServiceProcess.Start(scratch.Path, new Dictionary<string, string>
        {
            ["ConnectionStrings__Payments"] = $"Data Source={Path.Combine(scratch.Path, "payments.db")}",
            ["Payments__TransactionLog__Directory"] = Path.Combine(scratch.Path, "transaction-log"),
            ["Payments__Shutdown__DrainDelaySeconds"] = "0",
        });
        await service.WaitUntilReadyAsync();

        Assert.DoesNotMatch(PrintedKey(), service.Output);
    }

    [Fact]
    public async Task Without_store_settings_the_service_keeps_a_wal_sqlite_file_under_data()
    {
        using (var service = ServiceProcess.Start(scratch.Path, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Payments__Shutdown__DrainDelaySeconds"] = "0",
        }))
        {
            await service.WaitUntilReadyAsync();
        }

        var database = Path.Combine(scratch.Path, "data", "payments.db");
        Assert.True(File.Exists(database), "no ./data/payments.db under the working directory");
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Admin_command_prints_only_a_new_key_on_stdout_and_the_service_accepts_it()
    {
        var database = $"Data Source={Path.Combine(scratch.Path, "payments.db")}";
        var start = ServiceProcess.StartInfo(scratch.Path, ["merchants", "create", "--id", "acct_cli"]);
        start.Environment["ConnectionStrings__Payments"] = database;
        var admin = await CommandRunner.RunAsync(start, TimeSpan.FromSeconds(60));

        Assert.True(admin.ExitCode == 0, admin.StandardError);
        var key = admin.StandardOutput.Trim();
        Assert.Matches("^sk_[0-9A-Za-z]{40}$", key);
        Assert.Contains("acct_cli", admin.StandardError, StringComparison.Ordinal);

        using var service = ServiceProcess.Start(scratch.Path, new Dictionary<string, string>
        {
            ["ConnectionStrings__Payments"] = database,
            ["Payments__TransactionLog__Directory"] = Path.Combine(scratch.Path, "transaction-log"),
            ["Payments__Shutdown__DrainDelaySeconds"] = "0",
        });
        await service.WaitUntilReadyAsync();
        service.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var balance = await service.Client.GetAsync(new Uri("/v1/balance", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, balance.StatusCode);
    }

    [GeneratedRegex("Bearer (?<key>sk_[0-9A-Za-z]{20,})")]
    private static partial Regex PrintedKey();
}
