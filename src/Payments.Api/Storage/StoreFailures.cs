using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Payments.Api.Storage;

/// <summary>Which store errors are outages or overload (retry later) rather than bugs.</summary>
public static class StoreFailures
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    public static bool IsTransient(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // 08: connection exceptions; 57P01-03: shutdown / cannot connect now; 53: insufficient
                    // resources (too many connections); 40001/40P01: serialization failure / deadlock;
                    // 25006: a write reached a read-only server (a writer demoted by a failover).
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || postgres.SqlState is "57P01" or "57P02" or "57P03" or "40001" or "40P01" or "25006"
                        || postgres.IsTransient;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
                case SqliteException sqlite when sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked:
                    return true;
                case TimeoutException or SocketException or IOException or Batching.BatchQueueFullException or CommitOutcomeUnknownException:
                    return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A commit failed while in flight and a look from another connection could not tell whether it
/// happened. Answered as a typed 503 (a retry with the same Idempotency-Key finds the payment if it was
/// committed); its authorizations are kept, not voided, and logged for reconciliation.
/// </summary>
public sealed class CommitOutcomeUnknownException(IReadOnlyList<string> paymentIds, Exception failure)
    : Exception($"the commit of {paymentIds.Count} payment(s) failed in flight and whether it happened could not be read back", failure)
{
    public IReadOnlyList<string> PaymentIds { get; } = paymentIds;
}
