namespace Payments.Api.Storage;

/// <summary>Runs a read-only statement on its own pooled connection (no transaction).</summary>
public sealed class ReadQueries(IConnectionFactory connections)
{
    public async Task<IReadOnlyList<object?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (connections is SqliteConnectionFactory sqlite)
        {
            return await sqlite.QueryAsync(statement, cancellationToken);
        }

        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = statement.Sql;
        foreach (var (name, value) in statement.Parameters)
        {
            Db.AddParameter(command, name, value);
        }

        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Db.ReadRow(reader));
        }

        return rows;
    }
}
