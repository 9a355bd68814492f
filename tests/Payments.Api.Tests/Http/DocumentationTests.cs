using System.Globalization;
using System.Text.RegularExpressions;
using Payments.Api.Ledger;
using Payments.Api.Payments;
using Payments.Api.Storage.Batching;

namespace Payments.Api.Tests.Http;

/// <summary>
/// Documents that state what the code does: the bench replays the SQL documented in docs/api.md, and
/// operators tune group commit from the defaults docs/configuration.md gives for each store.
/// </summary>
public sealed partial class DocumentationTests
{
    [Fact]
    public void Documented_create_payment_sql_is_exactly_what_the_service_executes()
    {
        var markdown = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));
        var match = CreatePaymentBlock().Match(markdown);
        Assert.True(match.Success, "docs/api.md has no ```sql block under a 'create-payment transaction' heading");

        var documented = match.Groups["sql"].Value.Trim().TrimEnd(';').Split(";\n").Select(s => s.Trim()).ToList();

        Assert.Equal(
            [
                // The key's look-up runs before the acquirer, outside the group commit's transaction.
                PaymentSql.SelectIdempotencyKey,
                "BEGIN",
                PaymentSql.InsertPayment,
                LedgerSql.AuthorizeAndCapture,
                PaymentSql.InsertEvent,
                PaymentSql.InsertIdempotencyKey,
                "COMMIT",
            ],
            documented);
    }

    [Fact]
    public void Repository_root_is_found_from_outside_the_checkout_via_the_current_directory()
    {
        var outside = Path.Combine(Path.GetTempPath(), "artifacts-" + Guid.NewGuid().ToString("N"), "bin", "Payments.Api.Tests", "release");
        Directory.CreateDirectory(outside);
        try
        {
            Assert.Equal(Repository.Root, Repository.FindRoot([outside, Path.Combine(Repository.Root, "tests", "Payments.Api.Tests")]));
            Assert.Throws<InvalidOperationException>(() => Repository.FindRoot([outside]));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(outside)!)!)!, recursive: true);
        }
    }

    [Fact]
    public void Configuration_md_gives_each_stores_group_commit_defaults_as_the_code_sets_them()
    {
        var markdown = File.ReadAllText(Path.Combine(Repository.Root, "docs", "configuration.md"));
        var rows = BatchingRow().Matches(markdown).ToDictionary(m => m.Groups["key"].Value, m => (Postgres: m.Groups["pg"].Value, Sqlite: m.Groups["sqlite"].Value));
        var postgres = BatchingOptions.ForPostgres();
        var sqlite = BatchingOptions.ForSqlite();

        var settings = typeof(BatchingOptions).GetProperties().Where(p => p.CanWrite).ToList();
        Assert.NotEmpty(settings);
        foreach (var setting in settings)
        {
            Assert.True(rows.TryGetValue(setting.Name, out var documented), $"docs/configuration.md has no row for Payments:Batching:{setting.Name}");
            Assert.Equal(Format(setting.GetValue(postgres)), documented.Postgres);
            // A dash: the setting means nothing to SQLite (documented as ignored there).
            if (documented.Sqlite != "—")
            {
                Assert.Equal(Format(setting.GetValue(sqlite)), documented.Sqlite);
            }
        }

        static string Format(object? value) => value switch
        {
            bool flag => flag ? "true" : "false",
            TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            _ => value?.ToString() ?? "",
        };
    }

    [GeneratedRegex(@"^\| `(?<key>\w+)` \| `(?<pg>[^`]*)` \| (?:`(?<sqlite>[^`]*)`|(?<sqlite>—)) \|", RegexOptions.Multiline)]
    private static partial Regex BatchingRow();

    [GeneratedRegex(@"^#+ .*create-payment transaction.*?```sql\n(?<sql>.*?)```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CreatePaymentBlock();
}
