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
                throw new InvalidOperationException("Payments:Store is Postgres but ConnectionStrings:Payments is not set");
            }
        }
        else
        {
            throw new InvalidOperationException($"Payments:Store must be Sqlite or Postgres, not '{storeName}'");
        }

        if (kind == StoreKind.Postgres)
        {
            services.AddSingleton(_ => new PostgresConnectionFactory(connectionString!));
        }
        else
        {
            services.AddSingleton(_ => new SqliteConnectionFactory(connectionString));
        }

        services.AddSingleton<IConnectionFactory>(sp => kind == StoreKind.Postgres
            ? sp.GetRequiredService<PostgresConnectionFactory>()
            : sp.GetRequiredService<SqliteConnectionFactory>());
        services.AddSingleton<MigrationRunner>();
        return services;
    }
}
