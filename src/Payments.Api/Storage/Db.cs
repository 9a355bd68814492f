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
}
