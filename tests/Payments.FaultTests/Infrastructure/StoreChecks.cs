using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Payments.FaultTests.Infrastructure;

/// <summary>
/// Checks made directly in the service's store, below the API: every movement of the double-entry
/// journal (table ledger_movements of migration 0008) debits and credits the accounts the service's
/// movements use, by a positive amount, whatever the API says.
/// </summary>
internal static class StoreChecks
{
    private const string KnownShapes =
        "('authorize', 'acquirer_receivable', 'merchant_authorized'), ('capture', 'merchant_authorized', 'merchant_captured'), " +
        "('capture', 'acquirer_receivable', 'merchant_captured'), ('release', 'merchant_authorized', 'acquirer_receivable'), " +
        "('refund', 'merchant_refunds', 'acquirer_receivable')";

    private const string JournalSql =
        "SELECT currency, COUNT(*) AS movements, " +
        $"SUM(CASE WHEN amount <= 0 OR (movement, debit_account, credit_account) NOT IN (VALUES {KnownShapes}) THEN 1 ELSE 0 END) AS malformed " +
        "FROM ledger_movements GROUP BY currency ORDER BY currency";

    public static async Task<List<string>> JournalProblemsAsync(ServiceUnderTest service)
    {
        var problems = new List<string>();
        await using var connection = Open(service);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = JournalSql;
        await using var reader = await command.ExecuteReaderAsync();
        var currencies = 0;
        while (await reader.ReadAsync())
        {
            currencies++;
            var malformed = Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
            if (malformed != 0)
            {
                problems.Add($"{malformed} of {reader.GetValue(1)} journal movements in {reader.GetString(0)} are not ones the service writes");
            }
        }

        if (currencies == 0)
        {
            problems.Add("the journal is empty although payments were created");
        }

        return problems;
    }

    /// <summary>
    /// The transactional outbox and the journal agree with the payments, row by row: each payment has
    /// exactly one creation event and a journal that captured what the payment says; no event or journal row points at a
    /// payment that does not exist (a crash between the writes would leave exactly these traces).
    /// </summary>
    public static async Task<List<string>> OutboxAndJournalMismatchesAsync(ServiceUnderTest service)
    {
        var checks = new (string Problem, string Sql)[]
        {
            ("payments without exactly one creation event",
                "SELECT p.id FROM payments p WHERE (SELECT COUNT(*) FROM transaction_log t WHERE t.object_id = p.id "
                + "AND t.event_type IN ('payment.authorized', 'payment.captured', 'payment.failed')) <> 1"),
            ("events for payments that do not exist",
                "SELECT t.object_id FROM transaction_log t WHERE t.object_id LIKE 'pay%' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = t.object_id)"),
            ("journal rows for payments that do not exist",
                "SELECT l.payment_id FROM ledger_movements l WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = l.payment_id)"),
            ("payments whose journal captured another amount than the payment",
                "SELECT p.id FROM payments p WHERE p.amount_captured <> COALESCE((SELECT SUM(l.amount) FROM ledger_movements l "
                + "WHERE l.payment_id = p.id AND l.credit_account = 'merchant_captured'), 0)"),
            ("succeeded payments with no capture in the journal",
                "SELECT p.id FROM payments p WHERE p.status = 'succeeded' AND NOT EXISTS "
                + "(SELECT 1 FROM ledger_movements l WHERE l.payment_id = p.id AND l.movement = 'capture')"),
        };
        var problems = new List<string>();
        await using var connection = Open(service);
        await connection.OpenAsync();
        foreach (var (problem, sql) in checks)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var ids = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }

            if (ids.Count > 0)
            {
                problems.Add($"{ids.Count} {problem}: {string.Join(", ", ids.Take(10))}");
            }
        }

        return problems;
    }

    private static DbConnection Open(ServiceUnderTest service) => service.Store == StoreKind.Sqlite
        ? new SqliteConnection(service.ConnectionString + ";Mode=ReadOnly")
        : new NpgsqlConnection(service.ConnectionString);
}
