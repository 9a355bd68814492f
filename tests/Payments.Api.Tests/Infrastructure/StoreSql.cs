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

    /// <summary>Every row of <paramref name="sql"/>, its columns as invariant text joined by spaces (NULL as empty).</summary>
    public static async Task<List<string>> RowsAsync(IServiceProvider services, string sql)
    {
        await using var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await RowsAsync(command);
    }

    /// <summary>Every row <paramref name="command"/> reads, as <see cref="RowsAsync(IServiceProvider, string)"/> gives them.</summary>
    public static async Task<List<string>> RowsAsync(System.Data.Common.DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount)
                .Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return rows;
    }
}
