using Npgsql;
using Payments.Api.Hosting;

namespace Payments.Api.Storage;

/// <summary>
/// <c>Payments.Api migrate</c>: applies the migrations as the database owner
/// (<c>Payments:Database:Owner:Username</c>/<c>Password</c>) and makes sure the app's own login
/// (<c>Payments:Database:Username</c>) exists as a member of <c>payments_app</c>, the DML-only role
/// the migrations grant. Without an owner it migrates over the app's own connection (local runs,
/// where one login does everything). The platform runs it in each task before the app starts.
/// </summary>
public static partial class MigrateCommand
{
    public const string AppRole = "payments_app";

    // Serializes login creation between tasks migrating at once; "paylogin" in ASCII.
    private const long LoginLockId = 0x7061796C6F67696E;

    /// <summary>True when <paramref name="args"/> asks for the command; the rest go to the host.</summary>
    public static bool TryParse(string[] args, out string[] hostArgs)
    {
        ArgumentNullException.ThrowIfNull(args);
        var matches = args.Length > 0 && args[0] == ServiceContract.MigrateCommand;
        hostArgs = matches ? args[1..] : args;
        return matches;
    }

    /// <summary>
    /// Migrates and makes sure of the app's login, retried as the service's start-up is while the database is
    /// unreachable (<c>Payments:Database:StartupRetryFor</c>): in an ECS task this runs first, when the database may
    /// still be starting or failing over. Every step is idempotent.
    /// </summary>
    public static async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        await StartupRetry.RunAtStartAsync(services, token => MigrateOnceAsync(services, token), cancellationToken);
        return 0;
    }

    private static async Task MigrateOnceAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrateCommand));
        var ownerUsername = configuration["Payments:Database:Owner:Username"];
        if (services.GetRequiredService<IConnectionFactory>() is not PostgresConnectionFactory app || string.IsNullOrWhiteSpace(ownerUsername))
        {
            await services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
            return;
        }

        var owner = new NpgsqlConnectionStringBuilder(app.DataSource.ConnectionString)
        {
            Username = ownerUsername,
            Password = configuration["Payments:Database:Owner:Password"],
            MaxPoolSize = 2,
            ApplicationName = "payments-migrate",
        };
        await using var ownerConnections = new PostgresConnectionFactory(owner.ConnectionString);
        await new MigrationRunner(ownerConnections, services.GetRequiredService<ILogger<MigrationRunner>>()).MigrateAsync(cancellationToken);

        var appUsername = new NpgsqlConnectionStringBuilder(app.DataSource.ConnectionString).Username;
        if (string.IsNullOrWhiteSpace(appUsername) || appUsername == ownerUsername)
        {
            return;
        }

        var created = await EnsureLoginAsync(ownerConnections, appUsername, () => AppPasswordAsync(services, configuration, cancellationToken), cancellationToken);
        LogLogin(logger, appUsername, created ? "created" : "exists", AppRole);
    }

    /// <summary>
    /// Creates <paramref name="username"/> with the current password when it does not exist (after
    /// that, rotation owns the password) and grants it <see cref="AppRole"/>. True when created.
    /// </summary>
    public static async Task<bool> EnsureLoginAsync(PostgresConnectionFactory owner, string username, Func<ValueTask<string>> password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(password);
        await using var connection = (NpgsqlConnection)await owner.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ScalarAsync(connection, $"SELECT pg_advisory_xact_lock({LoginLockId})", cancellationToken);
        var exists = (bool)(await ScalarAsync(connection, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", cancellationToken, username))!;
        if (!exists)
        {
            // format() quotes the name and the password server-side: DDL takes no parameters.
            var create = (string)(await ScalarAsync(connection, "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)", cancellationToken, username, await password()))!;
            await ScalarAsync(connection, create, cancellationToken);
        }

        var grant = (string)(await ScalarAsync(connection, $"SELECT format('GRANT {AppRole} TO %I', $1::text)", cancellationToken, username))!;
        await ScalarAsync(connection, grant, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return !exists;
    }

    private static async ValueTask<string> AppPasswordAsync(IServiceProvider services, IConfiguration configuration, CancellationToken cancellationToken) =>
        services.GetService<DatabasePassword>() is { } rotating
            ? await rotating.GetAsync(cancellationToken)
            : configuration["Payments:Database:Password"] is { Length: > 0 } fixedPassword
                ? fixedPassword
                : throw new InvalidSettingException("the app's login does not exist and no password for it is configured (Payments:Database:PasswordSecretId, PasswordFile or Password)");

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteScalarAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database login {Login} {State}, member of {Role}")]
    private static partial void LogLogin(ILogger logger, string login, string state, string role);
}
