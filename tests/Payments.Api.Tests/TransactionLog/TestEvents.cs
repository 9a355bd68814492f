using Payments.Api.TransactionLog;

namespace Payments.Api.Tests.TransactionLog;

internal static class TestEvents
{
    public static TransactionLogEvent Event(long seq, string? payload = null) => new(
        seq,
        $"evt_test{seq:D20}",
        "mer_test",
        "payment.captured",
        $"pay_{seq}",
        payload ?? $$"""{"id":"pay_{{seq}}","object":"payment","amount":{{seq * 100}}}""",
        new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero).AddSeconds(seq));

    public static TransactionLogBatch Batch(long first, long last) =>
        new(Enumerable.Range((int)first, (int)(last - first + 1)).Select(seq => Event(seq)).ToList());
}
