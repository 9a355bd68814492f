using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure.Contract;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// The service over a fresh database of the given store: a new SQLite file or a new PostgreSQL
/// database with a random name. One factory per test class keeps classes isolated.
/// </summary>
public sealed class PaymentsApiFactory : WebApplicationFactory<Program>
{
    private readonly string? sqliteDirectory;
    private readonly Dictionary<string, string?> settings;

    private PaymentsApiFactory(StoreKind store, string connectionString, string? sqliteDirectory, IDictionary<string, string?>? extra)
    {
        Store = store;
        ConnectionString = connectionString;
        this.sqliteDirectory = sqliteDirectory;
        settings = new Dictionary<string, string?>
        {
            ["Payments:Store"] = store.ToString(),
            ["ConnectionStrings:Payments"] = connectionString,
            ["Payments:Shutdown:DrainDelaySeconds"] = "0",
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                settings[key] = value;
            }
        }

        Contract = new ContractCheck(LoadDocumentAsync);
    }

    /// <summary>Every response of this service, checked against the OpenAPI document it serves.</summary>
    public ContractCheck Contract { get; }

    public StoreKind Store { get; }

    /// <summary>False for a second instance on another factory's store: it leaves the database alone on dispose.</summary>
    private bool OwnsStore { get; init; } = true;

    /// <summary>A second service instance (as in blue/green or two tasks) on the same database as <paramref name="first"/>.</summary>
    public static PaymentsApiFactory SecondInstance(PaymentsApiFactory first, IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        var merged = new Dictionary<string, string?>(first.settings);
        if (settings is not null)
        {
            foreach (var (key, value) in settings)
            {
                merged[key] = value;
            }
        }

        return new PaymentsApiFactory(first.Store, first.ConnectionString, null, merged) { OwnsStore = false };
    }

    public string ConnectionString { get; }

    /// <summary>The service over an existing PostgreSQL database that the caller owns and drops.</summary>
    public static PaymentsApiFactory OnPostgresDatabase(string connectionString, IDictionary<string, string?> settings) =>
        new(StoreKind.Postgres, connectionString, null, settings) { OwnsStore = false };

    /// <summary>The service's clock when a test moves time itself (set before the first request); else the system clock.</summary>
    public TimeProvider? Time { get; set; }

    /// <summary>The host environment; tests run as "Testing" unless a test needs Development.</summary>
    public string Environment { get; set; } = "Testing";

    public static async Task<PaymentsApiFactory> CreateAsync(StoreKind store, IDictionary<string, string?>? settings = null)
    {
        if (store == StoreKind.Postgres)
        {
            return new PaymentsApiFactory(store, await PostgresServer.CreateDatabaseAsync(), null, settings);
        }

        var directory = Path.Combine(Path.GetTempPath(), "payments-api-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return new PaymentsApiFactory(store, $"Data Source={Path.Combine(directory, "payments.db")}", directory, settings);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new ContractCheckStartupFilter(Contract)));
        if (Time is { } time)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(time));
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private async Task<ApiDocument?> LoadDocumentAsync()
    {
        using var client = Server.CreateClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : new ApiDocument(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await ReleaseStoreAsync();
        Contract.AssertNoViolations();
    }

    private async Task ReleaseStoreAsync()
    {
        if (!OwnsStore)
        {
            return;
        }

        if (Store == StoreKind.Postgres)
        {
            await PostgresServer.DropDatabaseAsync(ConnectionString);
        }
        else if (sqliteDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(sqliteDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
