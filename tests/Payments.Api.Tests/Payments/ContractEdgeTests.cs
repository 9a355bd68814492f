using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Payments.Api.Ledger;
using Payments.Api.Payments;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// The edges of the contract that the bad-input table only approaches from outside: the largest
/// accepted values, the currency table's exponents, the keyed card fingerprint, the shape of every
/// state-changing statement, and that a failure inside the write rolls back all of it.
/// </summary>
public abstract partial class ContractEdgeTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Theory]
    [InlineData(1L)]
    [InlineData(99_999_999L)]
    public async Task Amounts_at_both_ends_of_the_range_are_accepted_and_refundable(long amount)
    {
        var payment = await CreatePaymentAsync(amount: amount);
        var id = payment.GetProperty("id").GetString();

        var refund = await PostAsync(A, $"/v1/payments/{id}/refunds", $$"""{"amount": {{amount}}}""");

        Assert.Equal(amount, payment.GetProperty("amount_captured").GetInt64());
        Assert.Equal(HttpStatusCode.Created, refund.Status);
        Assert.Equal(amount, refund.Json.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Metadata_at_the_limits_is_accepted_and_returned_unchanged()
    {
        var keys = Enumerable.Range(0, 49).Select(i => $"k{i}").Append(new string('k', 40)).ToList();
        var metadata = string.Join(", ", keys.Select((k, i) => $"\"{k}\": \"{(i == 49 ? new string('v', 500) : "v" + i)}\""));

        var reply = await PostAsync(A, "/v1/payments", PaymentBody(extra: $$""", "metadata": {{{metadata}}}"""));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        var returned = reply.Json.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(50, returned.Count);
        Assert.Equal(new string('v', 500), returned[new string('k', 40)]);
    }

    [Fact]
    public async Task Refund_lists_page_newest_first_with_has_more()
    {
        var id = (await CreatePaymentAsync(amount: 1000)).GetProperty("id").GetString();
        var refunds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            refunds.Add((await PostAsync(A, $"/v1/payments/{id}/refunds", """{"amount": 100}""")).Json.GetProperty("id").GetString()!);
        }

        var first = await GetAsync(A, $"/v1/payments/{id}/refunds?limit=2");
        var rest = await GetAsync(A, $"/v1/payments/{id}/refunds?limit=2&starting_after={refunds[1]}");

        Assert.Equal("list", first.Json.GetProperty("object").GetString());
        Assert.Equal([refunds[2], refunds[1]], first.Json.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.True(first.Json.GetProperty("has_more").GetBoolean());
        Assert.Equal([refunds[0]], rest.Json.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.False(rest.Json.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Balance_is_read_from_the_journal_not_from_the_payments_table()
    {
        var merchant = "acct_" + Guid.NewGuid().ToString("N")[..12];
        using var client = Fixture.ClientWithKey(await Fixture.Factory.Services.GetRequiredService<Api.Merchants.MerchantStore>().CreateKeyAsync(merchant, CancellationToken.None));
        await CreatePaymentAsync(client, amount: 1000);

        // Journal movements with no payment row behind them: only a ledger-derived balance sees them.
        await ExecuteAsync($"""
            INSERT INTO ledger_movements (merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount) VALUES
            ('{merchant}', 'pay_journal_only', NULL, 'capture', 'merchant_authorized', 'merchant_captured', 'usd', 500),
            ('{merchant}', 'pay_journal_only', 're_journal_only', 'refund', 'merchant_refunds', 'acquirer_receivable', 'usd', 200)
            """);
        var usd = Assert.Single((await GetAsync(client, "/v1/balance")).Json.GetProperty("currencies").EnumerateArray());

        Assert.Equal(1500, usd.GetProperty("captured").GetInt64());
        Assert.Equal(200, usd.GetProperty("refunded").GetInt64());
        Assert.Equal(1300, usd.GetProperty("net").GetInt64());
    }

    [Fact]
    public void Currency_table_has_iso_4217_exponents_with_jpy_zero_decimal()
    {
        foreach (var (code, exponent) in new[] { ("usd", 2), ("eur", 2), ("jpy", 0), ("krw", 0), ("kwd", 3), ("bhd", 3), ("clf", 4) })
        {
            Assert.True(Currencies.TryGetExponent(code, out var actual), code);
            Assert.Equal(exponent, actual);
        }

        Assert.False(Currencies.TryGetExponent("USD", out _));
        Assert.False(Currencies.TryGetExponent("xau", out _));
        Assert.True(Currencies.Codes.Count > 150, $"only {Currencies.Codes.Count} currencies");
        Assert.All(Currencies.Codes, c => Assert.Matches("^[a-z]{3}$", c));
    }

    [Fact]
    public async Task Card_fingerprint_is_keyed_stable_per_card_and_not_a_plain_hash()
    {
        const string other = "5555555555554444";
        var first = (await CreatePaymentAsync()).GetProperty("id").GetString()!;
        var second = (await CreatePaymentAsync()).GetProperty("id").GetString()!;
        var third = (await PostAsync(A, "/v1/payments", PaymentBody(number: other))).Json.GetProperty("id").GetString()!;

        var fingerprints = await FingerprintsAsync(first, second, third);

        Assert.Equal(fingerprints[first], fingerprints[second]);
        Assert.NotEqual(fingerprints[first], fingerprints[third]);
        var unkeyed = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(Visa)));
        Assert.DoesNotContain(fingerprints[first], unkeyed, StringComparison.Ordinal);

        // Another key (another deployment) gives another fingerprint for the same card.
        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Payments:CardFingerprintKey"] = "another-deployment-key" }).Build();
        using var elsewhere = new CardFingerprinter(Fixture.Factory.Services.GetRequiredService<IConnectionFactory>(), configured);
        await elsewhere.InitializeAsync(CancellationToken.None);
        Assert.NotEqual(fingerprints[first], elsewhere.Fingerprint(Visa));
        Assert.Equal(elsewhere.Fingerprint(Visa), elsewhere.Fingerprint(Visa));
    }

    [Theory]
    [InlineData("Production", null, true)]
    [InlineData("Production", "configured-key", false)]
    [InlineData("Development", null, false)]
    public async Task A_fingerprint_key_kept_in_the_database_is_a_warning_outside_development(string environment, string? configuredKey, bool warned)
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var logging = LoggerFactory.Create(builder => builder.AddProvider(new CapturingLoggerProvider(lines)));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Payments:CardFingerprintKey"] = configuredKey }).Build();
        var host = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = environment };
        using var fingerprinter = new CardFingerprinter(
            Fixture.Factory.Services.GetRequiredService<IConnectionFactory>(), configuration, logging.CreateLogger<CardFingerprinter>(), host);

        await fingerprinter.InitializeAsync(CancellationToken.None);

        Assert.Equal(warned, lines.Any(line => line.Contains("Warning Payments:CardFingerprintKey is not set", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Card_fingerprint_is_the_keyed_hmac_of_the_number_on_every_thread()
    {
        const string other = "5555555555554444";
        var secret = "fingerprint-key-" + Guid.NewGuid().ToString("N");
        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Payments:CardFingerprintKey"] = secret }).Build();
        using var fingerprinter = new CardFingerprinter(Fixture.Factory.Services.GetRequiredService<IConnectionFactory>(), configured);
        await fingerprinter.InitializeAsync(CancellationToken.None);
        string Expected(string number) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(number))[..16]);

        // Each thread reuses one keyed HMAC; alternating cards shows it is reset between uses.
        var wrong = 0;
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var number = i % 2 == 0 ? Visa : other;
            if (fingerprinter.Fingerprint(number) != Expected(number))
            {
                Interlocked.Increment(ref wrong);
            }
        });

        Assert.Equal(0, wrong);
        Assert.Equal(Expected(Visa), fingerprinter.Fingerprint(Visa));
    }

    public static TheoryData<string> StatementNames()
    {
        var data = new TheoryData<string>();
        foreach (var field in SqlConstants())
        {
            data.Add(field.DeclaringType!.Name + "." + field.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StatementNames))]
    public void State_changes_are_conditional_updates_of_one_payment_and_the_journal_is_insert_only(string name)
    {
        var sql = (string)SqlConstants().Single(f => f.DeclaringType!.Name + "." + f.Name == name).GetValue(null)!;

        Assert.DoesNotMatch(@"(?i)\bDELETE\b", sql);
        if (Regex.IsMatch(sql, @"(?i)\bUPDATE\b"))
        {
            // The only row a money movement updates is the payment itself, and only from the expected state.
            Assert.Matches(@"^UPDATE payments SET ", sql);
            Assert.Contains("WHERE id = @payment_id AND merchant_id = @merchant_id AND status = '", sql, StringComparison.Ordinal);
        }

        if (name.StartsWith(nameof(LedgerSql) + ".", StringComparison.Ordinal) && sql.StartsWith("INSERT", StringComparison.Ordinal))
        {
            // One movement of @amount from one named account to another (the table's CHECK refuses the rest).
            Assert.Matches(@"^INSERT INTO ledger_movements \(merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount\) VALUES \(@merchant_id, @payment_id, (NULL|@refund_id), '[a-z]+', '[a-z_]+', '[a-z_]+', @currency, @amount\)$", sql);
        }
    }

    [Fact]
    public async Task A_failure_inside_the_write_rolls_back_payment_ledger_outbox_and_idempotency_key()
    {
        var probe = "atomicity-probe-" + Guid.NewGuid().ToString("N");
        var open = (await PostAsync(A, "/v1/payments", PaymentBody(2222, capture: false, extra: $$""", "description": "{{probe}}" """))).Json.GetProperty("id").GetString()!;
        var key = "atomic-" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(Fixture.Store == StoreKind.Postgres
            ? $$"""
                CREATE FUNCTION fail_probe() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.payload LIKE '%{{probe}}%' THEN RAISE EXCEPTION 'probe'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER fail_probe BEFORE INSERT ON transaction_log FOR EACH ROW EXECUTE FUNCTION fail_probe();
                """
            : $$"""
                CREATE TRIGGER fail_probe BEFORE INSERT ON transaction_log WHEN NEW.payload LIKE '%{{probe}}%'
                BEGIN SELECT RAISE(ABORT, 'probe'); END;
                """);
        Reply create;
        Reply capture;
        try
        {
            create = await PostAsync(A, "/v1/payments", PaymentBody(2223, extra: $$""", "description": "{{probe}}" """), key);
            capture = await PostAsync(A, $"/v1/payments/{open}/capture", null);
        }
        finally
        {
            await ExecuteAsync(Fixture.Store == StoreKind.Postgres
                ? "DROP TRIGGER fail_probe ON transaction_log; DROP FUNCTION fail_probe();"
                : "DROP TRIGGER fail_probe;");
        }

        Assert.Equal(HttpStatusCode.InternalServerError, create.Status);
        Assert.Equal("api_error", create.ErrorType);
        Assert.Equal(HttpStatusCode.InternalServerError, capture.Status);
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM payments WHERE amount = 2223"));
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '{key}'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM ledger_movements WHERE payment_id = '{open}'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM transaction_log WHERE object_id = '{open}'"));
        var after = (await GetAsync(A, $"/v1/payments/{open}")).Json;
        Assert.Equal("requires_capture", after.GetProperty("status").GetString());
        Assert.Equal(2222, after.GetProperty("amount_capturable").GetInt64());

        // Nothing was kept: the same key now creates the payment, and the capture goes through.
        var retry = await PostAsync(A, "/v1/payments", PaymentBody(2223, extra: $$""", "description": "{{probe}}" """), key);
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(A, $"/v1/payments/{open}/capture", null)).Status);
    }

    private static IEnumerable<FieldInfo> SqlConstants() =>
        new[] { typeof(PaymentSql), typeof(LedgerSql) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && ((string)f.GetRawConstantValue()!).Contains(' ', StringComparison.Ordinal));

    private async Task<Dictionary<string, string>> FingerprintsAsync(params string[] ids)
    {
        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, card_fingerprint FROM payments WHERE id IN ({string.Join(", ", ids.Select(i => $"'{i}'"))})";
        var result = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = reader.GetString(1);
        }

        Assert.Equal(ids.Distinct().Count(), result.Count);
        Assert.All(result.Values, f => Assert.Matches("^[0-9a-f]{32}$", f));
        return result;
    }

    private Task ExecuteAsync(string sql) => StoreSql.ExecuteAsync(Fixture.Factory.Services, sql);

    private Task<long> ScalarAsync(string sql) => StoreSql.ScalarAsync(Fixture.Factory.Services, sql);
}

public sealed class ContractEdgeTestsSqlite(SqliteApiFixture fixture) : ContractEdgeTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class ContractEdgeTestsPostgres(PostgresApiFixture fixture) : ContractEdgeTests(fixture), IClassFixture<PostgresApiFixture>;
