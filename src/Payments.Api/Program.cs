using Payments.Api;
using Payments.Api.Dashboard;
using Payments.Api.Events;
using Payments.Api.Hosting;
using Payments.Api.Http;
using Payments.Api.Merchants;
using Payments.Api.Observability;
using Payments.Api.Payments;
using Payments.Api.Storage;
using Payments.Api.TransactionLog;
using Payments.Api.Webhooks;

// A setting the service cannot start with, or a database that stays unreachable, ends the process with one line on
// standard error and a sysexits code (StartupFailure), not a stack trace and SIGABRT.
try
{
    return await RunAsync(args);
}
catch (Exception exception) when (StartupFailure.TryDescribe(exception, out var exitCode, out var line))
{
    await Console.Error.WriteLineAsync(line);
    return exitCode;
}

static async Task<int> RunAsync(string[] args)
{
    var migrate = MigrateCommand.TryParse(args, out var afterMigrate);
    var admin = AdminCommand.TryParse(afterMigrate, out var hostArgs);
    var builder = WebApplication.CreateBuilder(HostArguments.WithoutConfigReload(hostArgs));
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.AddServerHeader = false;
        // The API enforces its own 64 KB limit with a typed 413; this only stops absurd uploads early.
        kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
    });
    // Defaults in code: appsettings.json is read from the content root (the working directory), which
    // is not the app directory when started as `dotnet path/Payments.Api.dll`. Per-request framework
    // logs cost more than the request itself under load.
    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    builder.AddGracefulShutdown();
    builder.AddPaymentsObservability();
    builder.AddPaymentsApi();
    builder.Services.AddEvents();
    builder.Services.AddDashboard(builder.Configuration);
    builder.AddTransactionLog();
    builder.AddWebhooks();
    if (admin is not null || migrate)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    var app = builder.Build();
    if (migrate || admin is not null)
    {
        // Disposing the host flushes the console logger's queue: returning without it can drop the
        // command's last lines (such as the login "created"/"exists" line).
        await using (app)
        {
            return migrate
                ? await MigrateCommand.RunAsync(app.Services, CancellationToken.None)
                : await admin!.RunAsync(app.Services, Console.In, Console.Out, Console.Error);
        }
    }

    try
    {
        await app.Services.InitializePaymentsAsync(CancellationToken.None);
    }
    catch
    {
        // Flushes the console logger's queue (the start-up retries' warnings) before the process ends.
        await app.DisposeAsync();
        throw;
    }

    app.UseGracefulShutdown();
    app.UseRequestIdHeader();
    app.UseHeadAsGet();
    app.UsePaymentsErrors();
    app.UseQueryWithoutNul();
    // Routing after HEAD is mapped to GET (WebApplication would otherwise route first).
    app.UseRouting();
    app.UseDocumentedRouteSpelling();

    app.MapGet(ServiceContract.LivenessPath, () => Results.Ok(new { status = "live" })).WithTags("health").WithName("Liveness");
    app.MapGet(ServiceContract.ReadinessPath, async (MigrationRunner migrations, ShutdownState shutdown, CancellationToken cancellationToken) =>
    {
        if (shutdown.IsDraining)
        {
            return Results.Json(new { status = "draining" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            return await migrations.IsUpToDateAsync(cancellationToken)
                ? Results.Ok(new { status = "ready" })
                : Results.Json(new { status = "migrations_pending" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            return Results.Json(new { status = "store_unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }).WithTags("health").WithName("Readiness").Produces(StatusCodes.Status200OK).Produces(StatusCodes.Status503ServiceUnavailable);
    if (ProcessRoles.FromConfiguration(app.Configuration).ServesHttpApi())
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapPaymentsApi().MapEventsApi().MapWebhooksApi();
        app.MapDashboard();
    }

    await app.RunAsync();
    return 0;
}

public partial class Program;
