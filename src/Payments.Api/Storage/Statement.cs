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

    /// <summary>
    /// The value of parameter <paramref name="name"/>, searched from <paramref name="next"/> (then set past it):
    /// statements add their parameters in SQL order, so a caller reading them in that order hits at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The SQL uses a parameter the statement does not set.</exception>
    public object? ValueOf(string name, ref int next)
    {
        for (var probe = 0; probe < Parameters.Count; probe++)
        {
            var at = (next + probe) % Parameters.Count;
            if (string.Equals(Parameters[at].Key, name, StringComparison.Ordinal))
            {
                next = at + 1;
                return Parameters[at].Value;
            }
        }

        throw new InvalidOperationException($"the statement uses @{name} but does not set it: {Sql}");
    }
}

/// <summary>What a statement did: rows affected and, for <see cref="Statement.ReturnsRows"/>, its rows.</summary>
public sealed class StatementResult
{
    public static readonly IReadOnlyList<object?[]> NoRows = [];

    public int RecordsAffected { get; set; }

    public IReadOnlyList<object?[]> Rows { get; set; } = NoRows;
}
