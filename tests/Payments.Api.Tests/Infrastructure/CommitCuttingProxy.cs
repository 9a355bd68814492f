using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>What <see cref="CommitCuttingProxy"/> does to the next transaction that inserts a payment.</summary>
public enum CommitCut
{
    /// <summary>Relay everything.</summary>
    None,

    /// <summary>Drop the bytes holding its COMMIT and close the connection: the server never commits.</summary>
    BeforeCommitSent,

    /// <summary>Relay its COMMIT, then drop the server's answer and close the connection: the server committed, the client cannot know.</summary>
    AfterCommitAnswered,
}

/// <summary>
/// A TCP relay in front of PostgreSQL that breaks one connection around the COMMIT of a transaction that
/// inserts a payment — the moment a client cannot tell whether its commit happened. It reads SQL text
/// off the wire, so the service must not auto-prepare statements (<c>Max Auto Prepare=0</c>).
/// </summary>
public sealed class CommitCuttingProxy : IAsyncDisposable
{
    private static readonly byte[] PaymentInsert = Encoding.ASCII.GetBytes("INSERT INTO payments");
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT");

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> open = new();
    private readonly Task accepting;
    private int armed;

    public CommitCuttingProxy(string host, int port)
    {
        target = new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Completes when the armed cut has happened.</summary>
    public TaskCompletionSource Cut { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>After the cut, also close every relayed connection and refuse new ones until <see cref="Refusing"/> is cleared.</summary>
    public bool RefuseAfterCut { get; set; }

    public bool Refusing { get; set; }

    private CommitCut mode;

    public void Arm(CommitCut cut)
    {
        mode = cut;
        Cut = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref armed, 1);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        CloseAll();
        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Refusing)
            {
                client.Dispose();
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await server.ConnectAsync(target, stopping.Token);
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                return;
            }

            open[client] = 0;
            open[server] = 0;
            var doomed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await Task.WhenAny(ToServerAsync(client, server, doomed), ToClientAsync(server, client, doomed.Task));
            open.TryRemove(client, out _);
            open.TryRemove(server, out _);
        }
    }

    private async Task ToServerAsync(Socket client, Socket server, TaskCompletionSource doomed)
    {
        var buffer = new byte[64 * 1024];
        var sawInsert = false;
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer, stopping.Token);
                if (read == 0)
                {
                    return;
                }

                var chunk = buffer.AsSpan(0, read);
                sawInsert |= chunk.IndexOf(PaymentInsert) >= 0;
                if (sawInsert && chunk.IndexOf(Commit) >= 0)
                {
                    sawInsert = false;
                    if (Interlocked.Exchange(ref armed, 0) == 1)
                    {
                        if (mode == CommitCut.BeforeCommitSent)
                        {
                            CutNow();
                            return;
                        }

                        doomed.TrySetResult();
                    }
                }

                await server.SendAsync(buffer.AsMemory(0, read), stopping.Token);
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task ToClientAsync(Socket server, Socket client, Task doomed)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await server.ReceiveAsync(buffer, stopping.Token);
                if (read == 0)
                {
                    return;
                }

                if (doomed.IsCompleted)
                {
                    // Nothing more reaches the client; once the server's answer holds COMMIT's completion, it has committed.
                    if (buffer.AsSpan(0, read).IndexOf(Commit) >= 0)
                    {
                        CutNow();
                        return;
                    }

                    continue;
                }

                await client.SendAsync(buffer.AsMemory(0, read), stopping.Token);
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void CutNow()
    {
        if (RefuseAfterCut)
        {
            Refusing = true;
            CloseAll();
        }

        Cut.TrySetResult();
    }

    private void CloseAll()
    {
        foreach (var socket in open.Keys)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
            }

            socket.Dispose();
        }
    }
}
