using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Payments.FaultTests.Infrastructure;

/// <summary>
/// Checks made directly in the service's store, below the API: the double-entry journal must sum
/// to zero per currency whatever the API says (table ledger_entries of migration 0001).
/// </summary>
internal static class StoreChecks
{
    private const string JournalSumsSql =
        "SELECT currency, SUM(amount) AS total, COUNT(*) AS entries FROM ledger_entries GROUP BY currency ORDER BY currency";

    public static async Task<List<string>> JournalImbalancesAsync(ServiceUnderTest service)
    {
        var problems = new List<string>();
        await using var connection = Open(service);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = JournalSumsSql;
        await using var reader = await command.ExecuteReaderAsync();
        var currencies = 0;
        while (await reader.ReadAsync())
        {
            currencies++;
            var total = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
            if (total != 0)
            {
                problems.Add($"journal entries in {reader.GetString(0)} sum to {total}, not 0 ({reader.GetValue(2)} entries)");
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
    /// exactly one creation event and balanced journal rows; no event or journal row points at a
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
                "SELECT l.payment_id FROM ledger_entries l WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = l.payment_id)"),
            ("payments whose journal rows do not sum to zero",
                "SELECT payment_id FROM ledger_entries GROUP BY payment_id HAVING SUM(amount) <> 0"),
            ("succeeded payments with no capture in the journal",
                "SELECT p.id FROM payments p WHERE p.status = 'succeeded' AND NOT EXISTS "
                + "(SELECT 1 FROM ledger_entries l WHERE l.payment_id = p.id AND l.movement = 'capture')"),
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
