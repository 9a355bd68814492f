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
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Payments.slnx")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var markdown = File.ReadAllText(Path.Combine(root.FullName, "docs", "api.md"));
        var match = CreatePaymentBlock().Match(markdown);
        Assert.True(match.Success, "docs/api.md has no ```sql block under a 'create-payment transaction' heading");

        var documented = match.Groups["sql"].Value.Trim().TrimEnd(';').Split(";\n").Select(s => s.Trim()).ToList();

        Assert.Equal(
            [
                "BEGIN",
                PaymentSql.LockIdempotencyKey,
                PaymentSql.SelectIdempotencyKey,
                PaymentSql.InsertPayment,
                LedgerSql.AuthorizeAndCapture,
                PaymentSql.InsertEvent,
                PaymentSql.InsertIdempotencyKey,
                "COMMIT",
            ],
            documented);
    }

    [GeneratedRegex(@"^#+ .*create-payment transaction.*?```sql\n(?<sql>.*?)```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CreatePaymentBlock();
}
