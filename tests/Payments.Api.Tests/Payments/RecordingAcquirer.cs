using System.Collections.Concurrent;
using Payments.Api.Acquiring;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// The simulated acquirer, with a record of what it was asked: every approval and every void.
/// <see cref="AfterApproval"/> runs between an approval and the service's write — where a store
/// failure costs an authorization.
/// </summary>
public sealed class RecordingAcquirer : IAcquirer
{
    private readonly SimulatedAcquirer inner = new();

    public ConcurrentQueue<string> Authorized { get; } = new();

    public ConcurrentQueue<string> Voided { get; } = new();

    public int Requests => requests;

    public Func<Task>? AfterApproval { get; set; }

    public bool VoidsFail { get; set; }

    /// <summary>Voids asked for, refused ones included.</summary>
    public int VoidAttempts => voidAttempts;

    private int voidAttempts;

    private int requests;

    public async ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref requests);
        var result = await inner.AuthorizeAsync(card, amount, currency, cancellationToken);
        if (result.Approved)
        {
            Authorized.Enqueue(result.AuthorizationId!);
            if (AfterApproval is { } hook)
            {
                await hook();
            }
        }

        return result;
    }

    public async ValueTask VoidAsync(string authorizationId, CancellationToken cancellationToken)
    {
        Assert.Contains(authorizationId, Authorized);
        Interlocked.Increment(ref voidAttempts);
        if (VoidsFail)
        {
            throw new HttpRequestException("acquirer unreachable");
        }

        await inner.VoidAsync(authorizationId, cancellationToken);
        Voided.Enqueue(authorizationId);
    }

    /// <summary>Approvals that were neither voided nor are expected to be held by a recorded payment.</summary>
    public IReadOnlyList<string> Held => Authorized.Except(Voided).ToList();
}
