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

    private static DbConnection Open(ServiceUnderTest service) => service.Store == StoreKind.Sqlite
        ? new SqliteConnection(service.ConnectionString + ";Mode=ReadOnly")
        : new NpgsqlConnection(service.ConnectionString);
}
