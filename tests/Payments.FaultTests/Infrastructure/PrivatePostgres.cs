using System.Globalization;

namespace Payments.FaultTests.Infrastructure;

/// <summary>
/// A PostgreSQL server owned by one test, so the test may stop and start it (the shared server of
/// the test command must not be stopped under other tests). Runs through <c>scripts/pg.sh</c>,
/// which as root runs it as the <c>postgres</c> user.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
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

    public string ConnectionString { get; }

    public bool IsRunning { get; private set; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "payments-fault-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var port = FreePort.Next();
        var output = await PgStartAsync(directory, port);
        var server = new PrivatePostgres(directory, port, output.Trim()) { IsRunning = true };
        return server;
    }

    /// <summary>Fast shutdown: PostgreSQL ends every session and stops, as in a failover or a restart.</summary>
    public async Task StopAsync()
    {
        await PgStopAsync();
        IsRunning = false;
    }

    /// <summary>Immediate shutdown (no checkpoint), as a crash of the database host; the next start recovers from the WAL.</summary>
    public async Task CrashAsync()
    {
        await CommandRunner.RunAsync("bash", [RepoPaths.PgScript, "crash", DataDirectory], ScriptTimeout);
        IsRunning = false;
    }

    /// <summary>Starts the same data directory again on the same port.</summary>
    public async Task StartAgainAsync()
    {
        await PgStartAsync(DataDirectory, Port);
        IsRunning = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgStopAsync();
        }
        finally
        {
            TryDelete(DataDirectory);
        }
    }

    private static Task<string> PgStartAsync(string directory, int port) =>
        CommandRunner.RunAsync("bash", [RepoPaths.PgScript, "start", directory, port.ToString(CultureInfo.InvariantCulture)], ScriptTimeout);

    private Task<string> PgStopAsync() => CommandRunner.RunAsync("bash", [RepoPaths.PgScript, "stop", DataDirectory], ScriptTimeout);

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
