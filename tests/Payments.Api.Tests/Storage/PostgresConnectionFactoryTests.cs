using Npgsql;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Storage;

public sealed class PostgresConnectionFactoryTests
{
    private const string Server = "Host=127.0.0.1;Port=5432;Username=payments;Database=payments";

    private static NpgsqlConnectionStringBuilder Effective(string connectionString)
    {
        using var factory = new PostgresConnectionFactory(connectionString);
        return new NpgsqlConnectionStringBuilder(factory.DataSource.ConnectionString);
    }

    [Fact]
    public void A_connection_string_that_is_silent_gets_the_service_defaults()
    {
        var effective = Effective(Server);

        Assert.Equal("payments-api", effective.ApplicationName);
        Assert.Equal(32, effective.MaxAutoPrepare);
        Assert.Equal(2, effective.AutoPrepareMinUsages);
        Assert.True(effective.NoResetOnClose);
    }

    [Theory]
    [InlineData("Max Auto Prepare=0;No Reset On Close=false;Application Name=ops")]
    [InlineData("MaxAutoPrepare=0;NoResetOnClose=false;ApplicationName=ops")]
    [InlineData("max auto prepare=0;no reset on close=false;application name=ops")]
    public void Options_the_connection_string_sets_are_kept_under_any_spelling(string options)
    {
        var effective = Effective(Server + ";" + options);

        Assert.Equal("ops", effective.ApplicationName);
        Assert.Equal(0, effective.MaxAutoPrepare);
        Assert.False(effective.NoResetOnClose);
    }
}
