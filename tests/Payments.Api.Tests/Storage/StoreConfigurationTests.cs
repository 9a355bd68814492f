using Microsoft.Extensions.Configuration;
using Npgsql;
using Payments.Api.Hosting;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Storage;

public sealed class StoreConfigurationTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Platform_database_secrets_become_a_tls_postgres_connection()
    {
        var configuration = Configuration(
            ("Payments:Database:Host", "db.internal"), ("Payments:Database:Port", "5433"), ("Payments:Database:Name", "payments"),
            ("Payments:Database:Username", "app"), ("Payments:Database:Password", "p;w=d"));
        var services = new ServiceCollection().AddPaymentsStorage(configuration).BuildServiceProvider();

        var factory = services.GetRequiredService<PostgresConnectionFactory>();
        var settings = new NpgsqlConnectionStringBuilder(factory.DataSource.ConnectionString);

        Assert.Equal(StoreKind.Postgres, services.GetRequiredService<IConnectionFactory>().Kind);
        Assert.Equal("db.internal", settings.Host);
        Assert.Equal(5433, settings.Port);
        Assert.Equal("payments", settings.Database);
        Assert.Equal("app", settings.Username);
        Assert.Equal(SslMode.Require, settings.SslMode);
        Assert.Equal(100, settings.MaxPoolSize); // Npgsql's default when the platform sets none
    }

    [Fact]
    public void The_platform_pool_size_becomes_the_maximum_pool_size()
    {
        var configuration = Configuration(("Payments:Database:Host", "db.internal"), ("Payments:Database:MaxPoolSize", "14"));
        var services = new ServiceCollection().AddPaymentsStorage(configuration).BuildServiceProvider();

        var factory = services.GetRequiredService<PostgresConnectionFactory>();
        Assert.Equal(14, new NpgsqlConnectionStringBuilder(factory.DataSource.ConnectionString).MaxPoolSize);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1001")]
    [InlineData("twelve")]
    [InlineData("12.5")]
    public void A_bad_pool_size_stops_start_up_with_the_key_named(string value)
    {
        var configuration = Configuration(("Payments:Database:Host", "db"), ("Payments:Database:MaxPoolSize", value));

        var error = Assert.Throws<InvalidSettingException>(() => new ServiceCollection().AddPaymentsStorage(configuration));
        Assert.Contains("Payments:Database:MaxPoolSize", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mongo", null)]
    [InlineData("Postgres", null)]
    public void Invalid_store_settings_stop_start_up_with_the_key_named(string store, string? connectionString)
    {
        var values = new List<(string, string)> { ("Payments:Store", store) };
        if (connectionString is not null)
        {
            values.Add(("ConnectionStrings:Payments", connectionString));
        }

        var error = Assert.Throws<InvalidSettingException>(() => new ServiceCollection().AddPaymentsStorage(Configuration([.. values])));
        Assert.Contains("Payments:Store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_database_port_is_rejected()
    {
        var configuration = Configuration(("Payments:Database:Host", "db"), ("Payments:Database:Port", "http"));

        Assert.Throws<InvalidSettingException>(() => new ServiceCollection().AddPaymentsStorage(configuration));
    }

    [Theory]
    [InlineData("Postgres", "Host=db;Pasword=s3cret-pw;Username=app", "Npgsql")]
    [InlineData("Postgres", "Host=db;Port=five;Password=s3cret-pw", "Npgsql")]
    [InlineData("Sqlite", "Data Sorce=payments.db;Password=s3cret-pw", "Microsoft.Data.Sqlite")]
    [InlineData("Sqlite", "s3cret-pw", "Microsoft.Data.Sqlite")]
    public void A_malformed_connection_string_stops_start_up_without_echoing_it(string store, string connectionString, string parser)
    {
        var configuration = Configuration(("Payments:Store", store), ("ConnectionStrings:Payments", connectionString));

        var error = Assert.Throws<InvalidSettingException>(() => new ServiceCollection().AddPaymentsStorage(configuration));

        Assert.StartsWith($"ConnectionStrings:Payments is not a valid {parser} connection string: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.Message, StringComparison.Ordinal);
    }
}
