using System.Data;
using Npgsql;

namespace Payments.Api.Storage;

/// <summary>
/// Write connections handed out most-recently-returned first, in front of Npgsql's pool.
/// </summary>
/// <remarks>
/// Npgsql's pool hands out idle connections first-in first-out, so every pooled connection keeps
/// being used in turn: a pool that grew to 64 in a burst spreads 16 concurrent requests over 64
/// PostgreSQL processes afterwards, and none is ever idle long enough to be pruned. Measured on one
/// PostgreSQL at 16 concurrent creates (docs/api.md): ~110 µs more PostgreSQL CPU per create than
/// with 16 connections, ~20% fewer creates per second. Shortening Npgsql's idle lifetime instead
/// made it close and reopen ~6 connections a second under steady load (it prunes by idle count).
/// Here the connections in use stay the same few hot ones; one not asked for during
/// <see cref="IdleLimit"/> goes back to Npgsql's pool (whose pruning then closes it). A connection
/// that comes back broken empties the stack: the server may have restarted, and every warm
/// connection would fail its next request.
/// </remarks>
public sealed class WarmConnections : IAsyncDisposable
{
    /// <summary>How long a connection may stay unasked-for on the stack before it goes back to Npgsql's pool.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(10);

    private readonly Func<CancellationToken, ValueTask<NpgsqlConnection>> open;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly List<(NpgsqlConnection Connection, long ReturnedAt)> idle = []; // the top is the end
    private readonly ITimer trimTimer;
    private bool disposed;

    public WarmConnections(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, TimeProvider time)
    {
        this.open = open;
        this.time = time;
        trimTimer = time.CreateTimer(static state => ((WarmConnections)state!).Trim(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Connections on the stack now, not in use.</summary>
    public int IdleCount
    {
        get
        {
            lock (gate)
            {
                return idle.Count;
            }
        }
    }

    /// <summary>The most recently returned open connection, else a new one from Npgsql's pool.</summary>
    public ValueTask<NpgsqlConnection> RentAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            while (idle.Count > 0)
            {
                var (connection, _) = idle[^1];
                idle.RemoveAt(idle.Count - 1);
                if (connection.FullState == ConnectionState.Open)
                {
                    return ValueTask.FromResult(connection);
                }

                connection.Dispose();
            }
        }

        return open(cancellationToken);
    }

    /// <summary>
    /// Takes a connection back. <paramref name="reusable"/> is false when its last transaction did not end
    /// cleanly (a failed ROLLBACK, an I/O error): then it goes back to Npgsql and the stack is emptied.
    /// </summary>
    public async ValueTask ReturnAsync(NpgsqlConnection connection, bool reusable)
    {
        ArgumentNullException.ThrowIfNull(connection);
        List<NpgsqlConnection>? dropped = null;
        lock (gate)
        {
            if (!disposed && reusable && connection.FullState == ConnectionState.Open)
            {
                idle.Add((connection, time.GetTimestamp()));
                return;
            }

            if (!reusable)
            {
                dropped = TakeAll();
            }
        }

        await connection.DisposeAsync();
        await DisposeAllAsync(dropped);
    }

    /// <summary>Hands connections unasked-for during <see cref="IdleLimit"/> back to Npgsql's pool (oldest at the bottom).</summary>
    public void Trim()
    {
        List<NpgsqlConnection>? expired = null;
        lock (gate)
        {
            while (idle.Count > 0 && time.GetElapsedTime(idle[0].ReturnedAt) >= IdleLimit)
            {
                (expired ??= []).Add(idle[0].Connection);
                idle.RemoveAt(0);
            }
        }

        foreach (var connection in expired ?? [])
        {
            connection.Dispose(); // back to Npgsql's pool: no I/O
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<NpgsqlConnection> all;
        lock (gate)
        {
            disposed = true;
            all = TakeAll();
        }

        await trimTimer.DisposeAsync();
        await DisposeAllAsync(all);
    }

    private List<NpgsqlConnection> TakeAll()
    {
        var all = idle.Select(entry => entry.Connection).ToList();
        idle.Clear();
        return all;
    }

    private static async ValueTask DisposeAllAsync(List<NpgsqlConnection>? connections)
    {
        foreach (var connection in connections ?? [])
        {
            await connection.DisposeAsync();
        }
    }
}
