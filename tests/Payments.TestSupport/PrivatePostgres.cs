using System.Globalization;

namespace Payments.TestSupport;

/// <summary>
/// A PostgreSQL server owned by one test (or one test process), so it may be stopped, crashed and started
/// again without touching a server other tests use. Runs through <c>scripts/pg.sh</c>, which as root runs
/// it as the <c>postgres</c> user; <c>pg_ctl -w</c> there waits for the server with a deadline.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    private PrivatePostgres(string dataDirectory, int port, string connectionString)
    {
        DataDirectory = dataDirectory;
        Port = port;
        ConnectionString = connectionString;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    /// <summary>The superuser (password-less on loopback) connection string to the <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    public bool IsRunning { get; private set; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "payments-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var port = FreePort.Next();
        var output = await PgAsync("start", directory, port.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        return new PrivatePostgres(directory, port, output.Trim()) { IsRunning = true };
    }

    /// <summary>Fast shutdown: PostgreSQL ends every session and stops, as in a failover or a restart.</summary>
    public async Task StopAsync()
    {
        await PgAsync("stop", DataDirectory).ConfigureAwait(false);
        IsRunning = false;
    }

    /// <summary>Immediate shutdown (no checkpoint), as a crash of the database host; the next start recovers from the WAL.</summary>
    public async Task CrashAsync()
    {
        await PgAsync("crash", DataDirectory).ConfigureAwait(false);
        IsRunning = false;
    }

    /// <summary>Starts the same data directory again on the same port.</summary>
    public async Task StartAgainAsync()
    {
        await PgAsync("start", DataDirectory, Port.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        IsRunning = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("stop", DataDirectory).ConfigureAwait(false);
        }
        finally
        {
            TryDelete(DataDirectory);
        }
    }

    private static Task<string> PgAsync(params string[] arguments) =>
        CommandRunner.RunCheckedAsync("bash", [Repository.PathOf("scripts", "pg.sh"), .. arguments], ScriptTimeout);

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; a leftover server is not, and that was stopped above.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
