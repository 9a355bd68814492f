using System.Data.Common;

namespace Payments.Api.Storage;

/// <summary>Small ADO.NET helpers shared by both dialects.</summary>
public static class Db
{
    /// <summary>A command on <paramref name="connection"/> in <paramref name="transaction"/> (null on SQLite's writer) with its parameters set.</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            AddParameter(command, name, value);
        }

        return command;
    }

    public static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Runs <paramref name="statement"/> on <paramref name="command"/> (its SQL already set) and returns every row.</summary>
    public static async Task<IReadOnlyList<object?[]>> QueryAsync(DbCommand command, Statement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(statement);
        foreach (var (name, value) in statement.Parameters)
        {
            AddParameter(command, name, value);
        }

        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    /// <summary>The reader's current row, SQL NULL as null.</summary>
    public static object?[] ReadRow(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var row = new object?[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        }

        return row;
    }
}
