using Payments.Api.Ledger;
using Payments.Api.Payments;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Storage;

public sealed class PositionalSqlTests
{
    [Fact]
    public void Named_parameters_become_numbered_in_first_use_order_and_a_repeated_name_keeps_its_number()
    {
        var translated = PositionalSql.Translate("SELECT a FROM t WHERE x = @merchant_id AND y = @key AND z = @merchant_id");

        Assert.Equal("SELECT a FROM t WHERE x = $1 AND y = $2 AND z = $1", translated.Sql);
        Assert.Equal(["merchant_id", "key"], translated.Names);
    }

    [Fact]
    public void At_signs_inside_literals_quoted_identifiers_and_comments_are_left_alone()
    {
        var translated = PositionalSql.Translate(
            "SELECT '@not_a_parameter', 'it''s @still_text', \"col@name\" -- @commented\nFROM t WHERE a = @real || ':' || @other");

        Assert.Equal("SELECT '@not_a_parameter', 'it''s @still_text', \"col@name\" -- @commented\nFROM t WHERE a = $1 || ':' || $2", translated.Sql);
        Assert.Equal(["real", "other"], translated.Names);
    }

    [Fact]
    public void Operators_and_emails_are_not_parameters()
    {
        var translated = PositionalSql.Translate("SELECT @ -5, 'a@b.c', x @> y, user@host FROM t WHERE id = @id");

        Assert.Equal("SELECT @ -5, 'a@b.c', x @> y, user@host FROM t WHERE id = $1", translated.Sql);
        Assert.Equal(["id"], translated.Names);
    }

    [Fact]
    public void Statements_without_parameters_are_unchanged()
    {
        Assert.Equal("COMMIT", PositionalSql.Translate("COMMIT").Sql);
        Assert.Empty(PositionalSql.Translate("BEGIN").Names);
    }

    [Fact]
    public void The_create_payment_statements_keep_every_parameter_and_no_at_sign()
    {
        foreach (var sql in new[] { PaymentSql.InsertPayment, LedgerSql.AuthorizeAndCapture, PaymentSql.InsertEvent, PaymentSql.InsertIdempotencyKey, PostgresPaymentStore.LockIdempotencyKey, PaymentSql.SelectIdempotencyKey })
        {
            var translated = PositionalSql.For(sql);

            Assert.DoesNotContain('@', translated.Sql);
            Assert.Equal(translated.Names.Count, translated.Names.Distinct(StringComparer.Ordinal).Count());
            for (var n = 1; n <= translated.Names.Count; n++)
            {
                Assert.Contains("$" + n, translated.Sql, StringComparison.Ordinal);
            }

            Assert.Same(translated, PositionalSql.For(sql));
        }

        Assert.Equal(18, PositionalSql.For(PaymentSql.InsertPayment).Names.Count);
        Assert.Equal(["merchant_id", "payment_id", "currency", "amount"], PositionalSql.For(LedgerSql.AuthorizeAndCapture).Names);
    }
}
