namespace Payments.Api.Storage;

/// <summary>One SQL statement with <c>@name</c> parameters, valid in both dialects.</summary>
public sealed class Statement(string sql, bool returnsRows = false)
{
    public string Sql { get; } = sql;

    /// <summary>True for statements whose rows the caller reads (SELECT).</summary>
    public bool ReturnsRows { get; } = returnsRows;

    public List<KeyValuePair<string, object?>> Parameters { get; } = new(8);

    public Statement Add(string name, object? value)
    {
        Parameters.Add(new(name, value));
        return this;
    }
}

/// <summary>What a statement did: rows affected and, for <see cref="Statement.ReturnsRows"/>, its rows.</summary>
public sealed class StatementResult
{
    public static readonly IReadOnlyList<object?[]> NoRows = [];

    public int RecordsAffected { get; set; }

    public IReadOnlyList<object?[]> Rows { get; set; } = NoRows;
}
