using Payments.Api.Hosting;

namespace Payments.Api.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="IConnectionFactory"/> chosen by <c>Payments:Store</c>
    /// (<c>Sqlite</c> by default, or <c>Postgres</c>) over <c>ConnectionStrings:Payments</c>.
    /// </summary>
    public static IServiceCollection AddPaymentsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var storeName = configuration["Payments:Store"];
        var connectionString = configuration.GetConnectionString("Payments");
        var explicitlySqlite = storeName is not null && storeName.Equals("sqlite", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(connectionString) && !explicitlySqlite && !string.IsNullOrWhiteSpace(configuration["Payments:Database:Host"]))
        {
            connectionString = FromDatabaseSection(configuration.GetSection("Payments:Database"));
            storeName ??= "Postgres";
        }
        StoreKind kind;
        if (string.IsNullOrWhiteSpace(storeName) || storeName.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            kind = StoreKind.Sqlite;
        }
        else if (storeName.Equals("postgres", StringComparison.OrdinalIgnoreCase) || storeName.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            kind = StoreKind.Postgres;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidSettingException("Payments:Store is Postgres but ConnectionStrings:Payments is not set");
            }
        }
        else
        {
            throw new InvalidSettingException($"Payments:Store must be Sqlite or Postgres, not '{storeName}'");
        }

        CheckConnectionString(kind, connectionString);
        if (kind == StoreKind.Postgres)
        {
            var database = configuration.GetSection("Payments:Database");
            var passwordSource = PasswordSource(database);
            if (passwordSource is not null)
            {
                services.AddSingleton(sp => new DatabasePassword(passwordSource(sp), sp.GetService<TimeProvider>() ?? TimeProvider.System));
                services.AddSingleton(sp => new PostgresConnectionFactory(connectionString!, sp.GetService<TimeProvider>(), sp.GetRequiredService<DatabasePassword>()));
            }
            else
            {
                services.AddSingleton(_ => new PostgresConnectionFactory(connectionString!));
            }
        }
        else
        {
            // A write waits to begin as long as a group commit may take (CommitTimeout): one rule for every write.
            var writeWait = Batching.BatchingOptions.Configured(Batching.BatchingOptions.ForSqlite(), configuration).CommitTimeout;
            services.AddSingleton(sp =>
            {
                var sqlite = new SqliteConnectionFactory(connectionString, writeWait, sp.GetService<TimeProvider>());
                sp.GetService<Observability.PaymentsMetrics>()?.ObserveWritersWaitingForLock(() => sqlite.WritersWaitingForLock);
                return sqlite;
            });
        }

        services.AddSingleton<IConnectionFactory>(sp => kind == StoreKind.Postgres
            ? sp.GetRequiredService<PostgresConnectionFactory>()
            : sp.GetRequiredService<SqliteConnectionFactory>());
        services.AddSingleton<MigrationRunner>();
        return services;
    }

    /// <summary>
    /// Parses the connection string now, so that a malformed one stops start-up naming the setting rather than
    /// failing at the first connection. The message is the parser's, which names the keyword or the position, never
    /// the string itself: it may hold a password.
    /// </summary>
    private static void CheckConnectionString(StoreKind kind, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        try
        {
            _ = kind == StoreKind.Postgres
                ? new Npgsql.NpgsqlConnectionStringBuilder(connectionString)
                : (System.Data.Common.DbConnectionStringBuilder)new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new InvalidSettingException(
                $"ConnectionStrings:Payments is not a valid {(kind == StoreKind.Postgres ? "Npgsql" : "Microsoft.Data.Sqlite")} connection string: {exception.Message}");
        }
    }

    /// <summary>
    /// A password that rotates: <c>Payments:Database:PasswordSecretId</c> (a Secrets Manager secret,
    /// read through Parameter Store with the task's role) or <c>Payments:Database:PasswordFile</c> (the
    /// same JSON in a file); null when the password is fixed configuration.
    /// </summary>
    public static Func<IServiceProvider, IDatabasePasswordSource>? PasswordSource(IConfigurationSection database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var secretId = database["PasswordSecretId"];
        var file = database["PasswordFile"];
        if (!string.IsNullOrWhiteSpace(secretId) && !string.IsNullOrWhiteSpace(file))
        {
            throw new InvalidSettingException("set Payments:Database:PasswordSecretId or Payments:Database:PasswordFile, not both");
        }

        if ((!string.IsNullOrWhiteSpace(secretId) || !string.IsNullOrWhiteSpace(file)) && !string.IsNullOrEmpty(database["Password"]))
        {
            throw new InvalidSettingException("Payments:Database:Password is fixed configuration; a rotating password comes from PasswordSecretId or PasswordFile alone");
        }

        if (!string.IsNullOrWhiteSpace(secretId))
        {
            return _ => new ParameterStoreSecretSource(new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient(), secretId);
        }

        return string.IsNullOrWhiteSpace(file) ? null : _ => new SecretFileSource(file);
    }

    /// <summary>
    /// The platform hands the database over as separate secrets (<c>Payments:Database:Host</c>,
    /// <c>Port</c>, <c>Name</c>, <c>Username</c>, <c>Password</c>) and the task's pool size
    /// (<c>MaxPoolSize</c>, optional); TLS is required (the parameter group forces SSL). Building it
    /// here avoids splicing secrets into a string in the task definition.
    /// </summary>
    public static string FromDatabaseSection(IConfigurationSection database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = database["Host"],
            Database = database["Name"] ?? "payments",
            Username = database["Username"],
            Password = database["Password"],
            SslMode = Npgsql.SslMode.Require,
        };
        // Require by default (the parameter group forces TLS); a local server without TLS says Disable.
        if (database["SslMode"] is { Length: > 0 } sslMode)
        {
            builder.SslMode = Enum.TryParse<Npgsql.SslMode>(sslMode, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
                ? mode
                : throw new InvalidSettingException($"Payments:Database:SslMode must be one of {string.Join(", ", Enum.GetNames<Npgsql.SslMode>())}, not '{sslMode}'");
        }
        if (database["Port"] is { Length: > 0 } port)
        {
            builder.Port = WholeNumber(port, 1, 65535) ?? throw new InvalidSettingException($"Payments:Database:Port must be a TCP port, not '{port}'");
        }

        // The platform sizes each task's pool so that all tasks of a deployment fit max_connections.
        if (database["MaxPoolSize"] is { Length: > 0 } poolSize)
        {
            builder.MaxPoolSize = WholeNumber(poolSize, 1, 1000)
                ?? throw new InvalidSettingException($"Payments:Database:MaxPoolSize must be a whole number from 1 to 1000, not '{poolSize}'");
        }

        return builder.ConnectionString;
    }

    /// <summary>Digits only (no sign, spaces or separators) forming a number from <paramref name="min"/> to <paramref name="max"/>; else null.</summary>
    private static int? WholeNumber(string value, int min, int max) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : null;
}
