using System.Text.RegularExpressions;
using Payments.Api.Ledger;
using Payments.Api.Payments;

namespace Payments.Api.Tests.Http;

/// <summary>The bench replays the SQL documented in docs/api.md; it must be the SQL the service runs.</summary>
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

    [GeneratedRegex(@"^#+ .*create-payment transaction.*?```sql\n(?<sql>.*?)```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CreatePaymentBlock();
}
