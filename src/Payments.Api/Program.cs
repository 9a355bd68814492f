using Payments.Api.Hosting;
using Payments.Api.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPaymentsStorage(builder.Configuration);

var app = builder.Build();

await app.Services.GetRequiredService<MigrationRunner>().MigrateAsync(CancellationToken.None);

app.MapGet(ServiceContract.LivenessPath, () => Results.Ok(new { status = "live" }));
app.MapGet(ServiceContract.ReadinessPath, async (MigrationRunner migrations, CancellationToken cancellationToken) =>
{
    try
    {
        return await migrations.IsUpToDateAsync(cancellationToken)
            ? Results.Ok(new { status = "ready" })
            : Results.Json(new { status = "migrations_pending" }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
    catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException)
    {
        return Results.Json(new { status = "store_unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
});

await app.RunAsync();

public partial class Program;
