using System.Globalization;
using System.Net;

namespace Payments.FaultTests.Infrastructure;

/// <summary>
/// One test's service: a fresh store (a SQLite file in a temp directory, or a fresh PostgreSQL
/// database), two merchants, and the process running the built service over it. The service can be
/// killed and started again over the same store. Disposing stops the process and drops the store.
/// </summary>
internal sealed class ServiceUnderTest : IAsyncDisposable
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly Func<Task>? _dropStore;
    private readonly List<HttpClient> _clients = [];
    private readonly Dictionary<string, string> _environment;

    private ServiceUnderTest(StoreKind store, string workingDirectory, string connectionString, Func<Task>? dropStore)
    {
        Store = store;
        WorkingDirectory = workingDirectory;
        ConnectionString = connectionString;
        _dropStore = dropStore;
        var suffix = Guid.NewGuid().ToString("N")[..10];
        MerchantA = new Merchant("acct_faulta" + suffix, "sk_test_fault_a_" + Guid.NewGuid().ToString("N"));
        MerchantB = new Merchant("acct_faultb" + suffix, "sk_test_fault_b_" + Guid.NewGuid().ToString("N"));
        _environment = ServiceConfiguration.Environment(store, connectionString, [MerchantA, MerchantB]);
    }

    public StoreKind Store { get; }

    public string WorkingDirectory { get; }

    /// <summary>The service's store: a SQLite connection string or a PostgreSQL one.</summary>
    public string ConnectionString { get; }

    public Merchant MerchantA { get; }

    public Merchant MerchantB { get; }

    public ServiceProcess? Process { get; private set; }

    public ServiceProcess Running => Process ?? throw new InvalidOperationException("the service is not started");

    public IReadOnlyDictionary<string, string> Environment => _environment;

    public static Task<ServiceUnderTest> CreateAsync(StoreKind store, PostgresFixture postgres) => CreateAsync(store, postgres, null);

    /// <summary>A service over a fresh database on a server the test owns (it may stop it).</summary>
    public static Task<ServiceUnderTest> CreateOnServerAsync(PrivatePostgres server) =>
        CreateAsync(StoreKind.Postgres, null, server.ConnectionString);

    private static async Task<ServiceUnderTest> CreateAsync(StoreKind store, PostgresFixture? postgres, string? postgresAdmin)
    {
        var workingDirectory = Directory.CreateTempSubdirectory("payments-fault-").FullName;
        if (store == StoreKind.Sqlite)
        {
            var file = Path.Combine(workingDirectory, "data", "payments.db");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            return new ServiceUnderTest(store, workingDirectory, $"Data Source={file}", null);
        }

        if (postgresAdmin is null)
        {
            ArgumentNullException.ThrowIfNull(postgres);
            var shared = await postgres.CreateDatabaseAsync();
            return new ServiceUnderTest(store, workingDirectory, shared, () => postgres.DropDatabaseAsync(shared));
        }

        var own = await PostgresServer.CreateDatabaseAsync(postgresAdmin, PostgresFixture.DatabasePrefix, maxPoolSize: null);
        return new ServiceUnderTest(store, workingDirectory, own, () => PostgresServer.DropDatabaseAsync(postgresAdmin, own));
    }

    /// <summary>Starts a (new) service process over this test's store and waits until it is ready.</summary>
    public async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        if (Process is { HasExited: false })
        {
            throw new InvalidOperationException("the previous service process still runs");
        }

        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        var environment = new Dictionary<string, string>(_environment);
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        Process = null;
        Process = await ServiceProcess.StartReadyAsync(BuiltService.Dll, WorkingDirectory, environment, ReadyTimeout);
        return Process;
    }

    /// <summary>
    /// A client for one merchant. Each has its own connection pool, sized for the load tests;
    /// the timeout bounds every request so no test can hang on a stuck one.
    /// </summary>
    public HttpClient ClientFor(Merchant merchant, TimeSpan? timeout = null)
    {
        var client = NewClient(timeout);
        client.DefaultRequestHeaders.Authorization = new("Bearer", merchant.ApiKey);
        return client;
    }

    public HttpClient AnonymousClient(TimeSpan? timeout = null) => NewClient(timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        try
        {
            if (_dropStore is not null)
            {
                await _dropStore();
            }
        }
        catch (Npgsql.NpgsqlException)
        {
            // The server is gone (a test that stops it failed midway); its data directory goes with it.
        }
        finally
        {
            try
            {
                Directory.Delete(WorkingDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private HttpClient NewClient(TimeSpan? timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
        // The base address follows the current process, which changes port after a restart.
        var client = new HttpClient(new FollowServiceHandler(this, handler), disposeHandler: true)
        {
            BaseAddress = FollowServiceHandler.Placeholder,
            Timeout = timeout ?? TimeSpan.FromSeconds(15),
        };
        _clients.Add(client);
        return client;
    }

    /// <summary>Points requests at whichever service process runs now (its port changes on restart).</summary>
    private sealed class FollowServiceHandler(ServiceUnderTest owner, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public static readonly Uri Placeholder = new("http://service-under-test.invalid/");

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { } uri && uri.Host == Placeholder.Host)
            {
                request.RequestUri = new Uri(owner.Running.BaseAddress, uri.PathAndQuery);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>The environment variables that configure the service (docs/configuration.md).</summary>
internal static class ServiceConfiguration
{
    public static Dictionary<string, string> Environment(
        StoreKind store, string connectionString, IReadOnlyList<Merchant> merchants)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Payments__Store"] = store == StoreKind.Sqlite ? "Sqlite" : "Postgres",
            ["ConnectionStrings__Payments"] = connectionString,
            // The load tests push thousands of requests per second for one merchant: they test faults, not the limiter.
            ["Payments__RateLimit__PermitsPerSecond"] = "1000000",
            // Per-request logs would make the test process spend its CPU reading them.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        for (var i = 0; i < merchants.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            environment[$"Payments__Merchants__{index}__Id"] = merchants[i].Id;
            environment[$"Payments__Merchants__{index}__ApiKey"] = merchants[i].ApiKey;
        }

        return environment;
    }
}
