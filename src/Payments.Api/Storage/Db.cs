using System.Data.Common;

namespace Payments.Api.Storage;

/// <summary>Small ADO.NET helpers shared by both dialects.</summary>
public static class Db
{
    public static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
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
