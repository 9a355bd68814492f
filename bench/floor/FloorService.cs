using System.Globalization;
using Npgsql;
using Payments.Api.Ledger;
using Payments.Api.Payments;
using Payments.Api.Storage;

namespace Payments.Bench.Floor;

/// <summary>
/// <c>POST /v1/payments</c> reduced to what cannot be left out: Kestrel reads the request, Npgsql runs
/// create-payment's statements (the service's own SQL constants) in the same two round trips as the
/// service — BEGIN + advisory lock + key look-up, then the payment, its ledger rows, the event, the
/// key and COMMIT — and a fixed 201 body goes back. No authentication, JSON parsing, validation,
/// card fingerprint, rate limit or telemetry: the service's CPU per create minus this one's is what
/// the application costs. Connections are held per request like the service's warm pool (no reset).
/// </summary>
public static class FloorService
{
    private const string Response =
        "{\"id\":\"pay_floor\",\"object\":\"payment\",\"status\":\"succeeded\",\"amount\":1999,\"amount_capturable\":0," +
        "\"amount_captured\":1999,\"amount_refunded\":0,\"currency\":\"usd\",\"card\":{\"brand\":\"visa\",\"last4\":\"4242\"," +
        "\"exp_month\":12,\"exp_year\":2030},\"description\":null,\"metadata\":{},\"created\":1795000000,\"failure_code\":null," +
        "\"failure_message\":null}";

    private static readonly byte[] ResponseBytes = System.Text.Encoding.UTF8.GetBytes(Response);

    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var connection = new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString("Payments")
            ?? throw new InvalidOperationException("ConnectionStrings:Payments is not set"))
        {
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        };
        await using var dataSource = NpgsqlDataSource.Create(connection);
        var merchant = builder.Configuration["Payments:Merchants:0:Id"] ?? "acct_bench";
        var app = builder.Build();
        app.MapGet("/healthz/ready", () => "ready");
        app.MapPost("/v1/payments", (HttpContext context) => CreateAsync(context, dataSource, merchant));
        await app.RunAsync();
    }

    private static async Task CreateAsync(HttpContext context, NpgsqlDataSource dataSource, string merchant)
    {
        var body = new byte[4096];
        var length = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(body.AsMemory(length))) > 0)
        {
            length += read;
        }

        var key = context.Request.Headers["Idempotency-Key"].ToString();
        var paymentId = "pay_" + Guid.NewGuid().ToString("N");
        var values = new Dictionary<string, object?>
        {
            ["merchant_id"] = merchant, ["idempotency_key"] = key, ["payment_id"] = paymentId, ["status"] = "succeeded",
            ["amount"] = 1999L, ["amount_capturable"] = 0L, ["amount_captured"] = 1999L, ["currency"] = "usd",
            ["card_brand"] = "visa", ["card_last4"] = "4242", ["card_exp_month"] = 12, ["card_exp_year"] = 2030,
            ["card_fingerprint"] = "0123456789abcdef0123456789abcdef", ["description"] = null, ["metadata"] = "{}",
            ["failure_code"] = null, ["decline_code"] = null, ["failure_message"] = null, ["created"] = 1795000000L,
            ["event_id"] = "evt_" + Guid.NewGuid().ToString("N"), ["event_type"] = "payment.captured", ["object_id"] = paymentId,
            ["payload"] = Response, ["request_method"] = "POST", ["request_path"] = "/v1/payments",
            ["request_hash"] = length.ToString("x64", CultureInfo.InvariantCulture), ["response_status"] = 201, ["response_body"] = Response,
        };

        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var claim = new NpgsqlBatch(connection))
        {
            claim.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            claim.BatchCommands.Add(Command(PostgresPaymentStore.LockIdempotencyKey, values));
            claim.BatchCommands.Add(Command(PaymentSql.SelectIdempotencyKey, values));
            await using var reader = await claim.ExecuteReaderAsync();
            do
            {
                while (await reader.ReadAsync())
                {
                }
            }
            while (await reader.NextResultAsync());
        }

        await using (var write = new NpgsqlBatch(connection))
        {
            write.BatchCommands.Add(Command(PaymentSql.InsertPayment, values));
            write.BatchCommands.Add(Command(LedgerSql.AuthorizeAndCapture, values));
            write.BatchCommands.Add(Command(PaymentSql.InsertEvent, values));
            write.BatchCommands.Add(Command(PaymentSql.InsertIdempotencyKey, values));
            write.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await write.ExecuteNonQueryAsync();
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = ResponseBytes.Length;
        await context.Response.Body.WriteAsync(ResponseBytes);
    }

    // Positional and typed, bound exactly as the service binds them.
    private static NpgsqlBatchCommand Command(string sql, Dictionary<string, object?> values)
    {
        var positional = PositionalSql.For(sql);
        var command = new NpgsqlBatchCommand(positional.Sql);
        foreach (var name in positional.Names)
        {
            command.Parameters.Add(PostgresWriteSession.TypedParameter(values[name]));
        }

        return command;
    }
}
