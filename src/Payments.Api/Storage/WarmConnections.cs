using System.Data;
using Npgsql;

namespace Payments.Api.Storage;

/// <summary>
/// The process's front to Npgsql's pool: write connections handed out most-recently-returned first,
/// and every other connection counted, so that warm write connections never make anyone wait.
/// </summary>
/// <remarks>
/// Npgsql's pool hands out idle connections first-in first-out, so after a burst every pooled
/// connection keeps being used in turn and none is idle long enough to be pruned; PostgreSQL then
/// spends more per transaction on many cold processes (measured in docs/api.md, "Performance notes").
/// Here the connections in use stay the same few hot ones; one not asked for during
/// <see cref="IdleLimit"/> goes back to Npgsql's pool (whose pruning then closes it). A connection
/// that comes back broken empties the stack: the server may have restarted, and every warm
/// connection would fail its next request.
/// <para>
/// Warm connections still count against Npgsql's <c>Maximum Pool Size</c>. Two rules keep them from
/// starving other callers (reads, the readiness check, the relay) or writes that found the stack
/// empty: an opener that finds the pool used up first hands the coldest warm connection back to
/// Npgsql, and while anyone is waiting for Npgsql, returned connections go to Npgsql, not the stack.
/// </para>
/// </remarks>
public sealed class WarmConnections : IAsyncDisposable
{
    /// <summary>How long a connection may stay unasked-for on the stack before it goes back to Npgsql's pool.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(10);

    private readonly Func<CancellationToken, ValueTask<NpgsqlConnection>> open;
    private readonly int maxPoolSize;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly List<(NpgsqlConnection Connection, long ReturnedAt)> idle = []; // the top is the end
    private readonly ITimer trimTimer;
    private readonly StateChangeEventHandler otherClosed; // one delegate for every subscribe and unsubscribe
    private readonly Dictionary<NpgsqlConnection, long> rentedIn = []; // rented connection -> generation it was rented in
    private long generation; // bumped by DropIdleAsync: connections rented before it do not come back to the stack
    private int rented;      // write connections out of the stack, not yet returned
    private int openOthers;  // connections from OpenAsync, not yet closed
    private int waiting;     // callers waiting for Npgsql to hand over a connection
    private bool disposed;

    /// <param name="open">Opens a connection from Npgsql's pool.</param>
    /// <param name="maxPoolSize">Npgsql's <c>Maximum Pool Size</c> for that pool.</param>
    /// <param name="time">Clock for the idle limit.</param>
    public WarmConnections(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, int maxPoolSize, TimeProvider time)
    {
        this.open = open;
        this.maxPoolSize = maxPoolSize;
        this.time = time;
        otherClosed = OtherClosed;
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

    /// <summary>Connections of Npgsql's pool this process holds: on the stack, rented, or opened through <see cref="OpenAsync"/> and not closed.</summary>
    public int Held
    {
        get
        {
            lock (gate)
            {
                return HeldUnderGate;
            }
        }
    }

    private int HeldUnderGate => rented + idle.Count + openOthers;

    /// <summary>Callers waiting for Npgsql's pool to hand over a connection; while any wait, returned connections go to Npgsql.</summary>
    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return waiting;
            }
        }
    }

    /// <summary>For a write transaction: the most recently returned open connection, else one from Npgsql's pool. Give it back with <see cref="ReturnAsync"/>.</summary>
    public async ValueTask<NpgsqlConnection> RentAsync(CancellationToken cancellationToken)
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
                    rented++;
                    rentedIn[connection] = generation;
                    return connection;
                }

                connection.Dispose();
            }
        }

        var opened = await OpenFromNpgsqlAsync(cancellationToken);
        lock (gate)
        {
            rented++;
            rentedIn[opened] = generation;
        }

        return opened;
    }

    /// <summary>
    /// For any other use: a connection from Npgsql's pool, which goes back there when the caller
    /// disposes it. Counted while open, so that <see cref="Held"/> knows when the pool is used up.
    /// </summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenFromNpgsqlAsync(cancellationToken);
        lock (gate)
        {
            openOthers++;
        }

        connection.StateChange += otherClosed;
        return connection;
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
            rented--;
            var current = rentedIn.Remove(connection, out var rentedGeneration) && rentedGeneration == generation;
            if (!disposed && reusable && current && waiting == 0 && connection.FullState == ConnectionState.Open)
            {
                idle.Add((connection, time.GetTimestamp()));
                return;
            }

            if (!reusable)
            {
                dropped = TakeAll();
            }
        }

        await connection.DisposeAsync(); // to Npgsql's pool, which hands it to a waiting caller if there is one
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

    /// <summary>
    /// Hands every connection on the stack back to Npgsql's pool, and those rented now when they
    /// return: after a password rotation or a failover none of them is reused from the stack.
    /// </summary>
    public async ValueTask DropIdleAsync()
    {
        List<NpgsqlConnection> all;
        lock (gate)
        {
            generation++;
            all = TakeAll();
        }

        await DisposeAllAsync(all);
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

    /// <summary>
    /// Npgsql's open, marked as waiting. If what this process holds plus what its waiters are about to
    /// take exceeds the pool, Npgsql would queue the caller until a connection comes back to it: the
    /// coldest warm one goes back first.
    /// Counting the waiter before looking at the stack (both under the gate) means a connection
    /// returned meanwhile either is seen here or sees the waiter and goes to Npgsql.
    /// </summary>
    private async ValueTask<NpgsqlConnection> OpenFromNpgsqlAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection? coldest = null;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            waiting++; // every waiter, this one included, is about to hold one more connection
            if (idle.Count > 0 && HeldUnderGate + waiting > maxPoolSize)
            {
                coldest = idle[0].Connection;
                idle.RemoveAt(0);
            }
        }

        try
        {
            coldest?.Dispose(); // back to Npgsql's pool: no I/O
            return await open(cancellationToken);
        }
        finally
        {
            lock (gate)
            {
                waiting--;
            }
        }
    }

    private void OtherClosed(object? sender, StateChangeEventArgs change)
    {
        if (change.CurrentState == ConnectionState.Closed && sender is NpgsqlConnection connection)
        {
            connection.StateChange -= otherClosed;
            lock (gate)
            {
                openOthers--;
            }
        }
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
