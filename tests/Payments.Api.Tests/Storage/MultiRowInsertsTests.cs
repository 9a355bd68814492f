using Microsoft.Extensions.Logging.Abstractions;
using Payments.Api.Ledger;
using Payments.Api.Payments;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;
using Payments.TestSupport;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// A batch's single-row inserts folded into one statement per distinct INSERT: what is folded, what
/// is refused (the batch then goes as it is), and, on a real PostgreSQL, that the folded statements
/// store exactly the rows the single-row statements store.
/// </summary>
public sealed class MultiRowInsertsTests
{
    private const string Insert = "INSERT INTO t (a, b, c, d, e) VALUES (@a, @b, @c, 'fixed', NULL)";
    private const string Other = "INSERT INTO u (a, kind) VALUES (@a, 'other')";

    private static Statement Row(string a, long? b, int? c) => new Statement(Insert).Add("a", a).Add("b", b).Add("c", c);

    private static Statement OtherRow(string a) => new Statement(Other).Add("a", a);

    [Fact]
    public void Rows_of_the_same_insert_become_one_statement_with_an_array_per_parameter_in_row_order()
    {
        IReadOnlyList<Statement> batch = [Row("x", 1, 10), OtherRow("x"), Row("y", 2, 20), OtherRow("y"), Row("z", 3, 30)];

        var combined = MultiRowInserts.Combine(batch, [0, 0, 1, 1, 2]);

        Assert.NotNull(combined);
        Assert.Equal(2, combined.Count);
        Assert.Equal(
            "INSERT INTO t (a, b, c, d, e) SELECT u.\"a\", u.\"b\", u.\"c\", 'fixed', NULL " +
            "FROM (SELECT unnest(@a::text[]) AS \"a\", unnest(@b::bigint[]) AS \"b\", unnest(@c::integer[]) AS \"c\") AS u",
            combined[0].Sql);
        Assert.Equal(["x", "y", "z"], Assert.IsType<string[]>(combined[0].Parameters[0].Value));
        Assert.Equal([1L, 2L, 3L], Assert.IsType<long[]>(combined[0].Parameters[1].Value));
        Assert.Equal([10, 20, 30], Assert.IsType<int[]>(combined[0].Parameters[2].Value));
        Assert.Equal(["x", "y"], Assert.IsType<string[]>(combined[1].Parameters[0].Value));
    }

    [Fact]
    public void Nulls_make_a_nullable_array_and_a_parameter_null_in_every_row_is_text()
    {
        var combined = MultiRowInserts.Combine([Row("x", null, null), Row("y", 2, null)], [0, 1]);

        Assert.NotNull(combined);
        var folded = Assert.Single(combined);
        Assert.Equal([null, 2L], Assert.IsType<long?[]>(folded.Parameters[1].Value));
        var neverSet = Assert.IsType<string[]>(folded.Parameters[2].Value);
        Assert.Equal(2, neverSet.Length);
        Assert.All(neverSet, Assert.Null);
        Assert.Contains("@c::text[]", folded.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void A_statement_found_once_in_the_batch_is_sent_as_it_is()
    {
        var only = OtherRow("z");
        var combined = MultiRowInserts.Combine([Row("x", 1, 1), Row("y", 2, 2), only], [0, 1, 1]);

        Assert.NotNull(combined);
        Assert.Same(only, combined[1]);
    }

    [Fact]
    public void A_batch_of_distinct_statements_has_nothing_to_fold()
    {
        Assert.Null(MultiRowInserts.Combine([Row("x", 1, 1), OtherRow("x")], [0, 0]));
    }

    [Theory]
    [InlineData("INSERT INTO t (a) VALUES (@a) RETURNING a")]
    [InlineData("INSERT INTO t (a) VALUES (@a) ON CONFLICT DO NOTHING")]
    [InlineData("INSERT INTO t (a, b) VALUES (@a, now())")]
    [InlineData("INSERT INTO t (a, b) VALUES (@a, 'x, y')")]
    [InlineData("INSERT INTO t (a, b) VALUES (@a)")]
    [InlineData("INSERT INTO t (a) VALUES (@a), (@a)")]
    [InlineData("UPDATE t SET a = @a")]
    [InlineData("INSERT INTO t (a) SELECT @a")]
    public void A_statement_of_another_shape_leaves_the_batch_as_it_is(string sql)
    {
        Assert.Null(MultiRowInserts.Combine([new Statement(sql).Add("a", "x"), new Statement(sql).Add("a", "y")], [0, 1]));
    }

    [Fact]
    public void A_statement_whose_rows_are_read_leaves_the_batch_as_it_is()
    {
        const string sql = "INSERT INTO t (a) VALUES (@a)";
        Assert.Null(MultiRowInserts.Combine([new Statement(sql, returnsRows: true).Add("a", "x"), new Statement(sql, returnsRows: true).Add("a", "y")], [0, 1]));
    }

    [Fact]
    public void One_parameter_of_two_types_across_rows_leaves_the_batch_as_it_is()
    {
        var batch = new[] { Row("x", 1, 1), new Statement(Insert).Add("a", "y").Add("b", 2).Add("c", 2) };

        Assert.Null(MultiRowInserts.Combine(batch, [0, 1]));
    }

    [Fact]
    public void The_folded_statements_run_in_an_order_that_keeps_every_members_own_order()
    {
        // Member 0 writes t only; member 1 writes u and then t: u's statement goes first.
        var u = OtherRow("y");
        var combined = MultiRowInserts.Combine([Row("x", 1, 1), u, Row("y", 2, 2)], [0, 1, 1]);

        Assert.NotNull(combined);
        Assert.Equal(2, combined.Count);
        Assert.Same(u, combined[0]);
        Assert.Equal(["x", "y"], Assert.IsType<string[]>(combined[1].Parameters[0].Value));
    }

    [Fact]
    public void Members_whose_orders_contradict_each_other_leave_the_batch_as_it_is()
    {
        // Member 0 writes t, then u, then t again: no order of one t statement and one u statement keeps it.
        Assert.Null(MultiRowInserts.Combine([Row("x", 1, 1), OtherRow("x"), Row("x2", 1, 1), Row("y", 2, 2)], [0, 0, 0, 1]));
    }

    [Fact]
    public void A_parameter_a_row_does_not_set_is_an_error_that_names_it()
    {
        var missing = new Statement(Insert).Add("a", "y").Add("b", 2L);

        var error = Assert.Throws<InvalidOperationException>(() => MultiRowInserts.Combine([Row("x", 1, 1), missing], [0, 1]));
        Assert.Contains("@c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_create_payment_inserts_folded_store_on_PostgreSQL_exactly_the_rows_they_store_one_by_one()
    {
        var statements = Enumerable.Range(0, 5).SelectMany(PaymentStatements).ToList();
        var owners = Enumerable.Range(0, 5).SelectMany(i => Enumerable.Repeat(i, PaymentStatements(i).Count)).ToList();
        var combined = MultiRowInserts.Combine(statements, owners);
        Assert.NotNull(combined);
        // Payments, the journal's capture (three rows) and authorization (one row, sent as it is), events, keys.
        Assert.Equal(5, combined.Count);

        // The judge is what PostgreSQL stores: the same statements, one by one and folded, each into a freshly migrated database.
        var oneByOne = await CommittedRowsAsync(statements);
        var folded = await CommittedRowsAsync(combined);

        Assert.Equal(statements.Count, oneByOne.Count);
        Assert.Equal(oneByOne, folded);
    }

    /// <summary>
    /// Every row the create-payment inserts wrote, in table and insertion order (each table's own sequence; the
    /// journal per payment), NULL told apart from an empty text.
    /// </summary>
    private static async Task<List<string>> CommittedRowsAsync(IReadOnlyList<Statement> statements)
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        try
        {
            using var connections = new PostgresConnectionFactory(connectionString);
            await new MigrationRunner(connections, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
            await using (var session = new PostgresWriteSession(await connections.Pool.RentAsync(CancellationToken.None), connections.Pool))
            {
                await session.CommitAsync(statements, CancellationToken.None);
            }

            (string Table, string Columns, string Order)[] tables =
            [
                ("payments", "id, merchant_id, status, amount, amount_capturable, amount_captured, amount_refunded, currency, card_brand, card_last4, " +
                             "card_exp_month, card_exp_year, card_fingerprint, description, metadata, failure_code, decline_code, failure_message, created", "seq"),
                // Rows of one statement keep their order; the journal's two statements number their rows each in turn.
                ("ledger_movements", "merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount", "payment_id, id"),
                ("transaction_log", "event_id, merchant_id, event_type, object_id, payload", "seq"),
                ("idempotency_keys", "merchant_id, idempotency_key, request_method, request_path, request_hash, response_status, response_body, response_event_id", "idempotency_key"),
            ];
            var rows = new List<string>();
            await using var connection = await connections.OpenAsync(CancellationToken.None);
            foreach (var (table, columns, order) in tables)
            {
                await using var select = connection.CreateCommand();
                var quoted = string.Join(", ", columns.Split(", ").Select(c => $"quote_nullable({c})"));
                select.CommandText = $"SELECT '{table}', {quoted} FROM {table} ORDER BY {order}";
                rows.AddRange(await StoreSql.RowsAsync(select));
            }

            return rows;
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }

    /// <summary>One payment's statements as the store writes them: nullable columns set in some payments and not in others.</summary>
    private static List<Statement> PaymentStatements(int i)
    {
        var id = $"pay_fold_{i}";
        var statements = new List<Statement>
        {
            new Statement(PaymentSql.InsertPayment)
                .Add("payment_id", id).Add("merchant_id", "m_fold").Add("status", i switch { 1 => "requires_capture", 3 => "failed", _ => "succeeded" })
                .Add("amount", 100L + i).Add("amount_capturable", i == 1 ? 101L : 0L).Add("amount_captured", i is 1 or 3 ? 0L : 100L + i).Add("currency", "usd")
                .Add("card_brand", "visa").Add("card_last4", "4242").Add("card_exp_month", 12).Add("card_exp_year", 2030)
                .Add("card_fingerprint", "fp" + i).Add("description", i % 2 == 0 ? null : "d" + i).Add("metadata", "{}")
                .Add("failure_code", i == 3 ? "card_declined" : null).Add("decline_code", i == 3 ? "insufficient_funds" : null)
                .Add("failure_message", i == 3 ? "declined" : null).Add("created", 1_795_000_000L + i),
        };
        if (i != 3)
        {
            // Payment 1 is authorized only (capture later): the journal's two insert statements in one batch.
            statements.Add(new Statement(i == 1 ? LedgerSql.Authorize : LedgerSql.AuthorizeAndCapture)
                .Add("merchant_id", "m_fold").Add("payment_id", id).Add("currency", "usd").Add("amount", 100L + i));
        }

        statements.Add(new Statement(PaymentSql.InsertEvent).Add("event_id", "evt_fold_" + i).Add("merchant_id", "m_fold")
            .Add("event_type", "payment.captured").Add("object_id", id).Add("payload", "{\"id\":\"" + id + "\"}"));
        statements.Add(new Statement(PaymentSql.InsertIdempotencyKey).Add("merchant_id", "m_fold").Add("idempotency_key", "k" + i)
            .Add("request_method", "POST").Add("request_path", "/v1/payments").Add("request_hash", "h" + i).Add("response_status", 201)
            .Add("response_body", i == 3 ? "{\"error\":{}}" : "").Add("response_event_id", i == 3 ? null : "evt_fold_" + i));
        return statements;
    }
}
