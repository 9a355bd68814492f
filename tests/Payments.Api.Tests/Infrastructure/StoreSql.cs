using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>SQL straight against the store of a service (below the API).</summary>
public static class StoreSql
{
    public static async Task ExecuteAsync(IServiceProvider services, string sql)
    {
        await using var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> ScalarAsync(IServiceProvider services, string sql)
    {
        await using var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
