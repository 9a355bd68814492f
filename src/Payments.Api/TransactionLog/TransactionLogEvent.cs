namespace Payments.Api.TransactionLog;

/// <summary>One row of the <c>transaction_log</c> table (the outbox), as the relay reads it.</summary>
public sealed record TransactionLogEvent(
    long Seq,
    string EventId,
    string MerchantId,
    string EventType,
    string ObjectId,
    string Payload,
    DateTimeOffset CreatedAt);
