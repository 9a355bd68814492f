using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Payments.Api.Storage;

/// <summary>
/// PostgreSQL: the single-row INSERTs of a batch folded into one statement per distinct INSERT,
/// <c>INSERT INTO t (…) SELECT u."a", … FROM (SELECT unnest(@a::text[]) AS "a", unnest(@b::bigint[]) AS "b", …) AS u</c>,
/// each parameter an array with one element per row. The server then binds, starts its executor,
/// opens the table and its indexes and builds its CHECK expressions once per statement rather than
/// once per row; the SQL text does not depend on the number of rows, so one prepared statement serves
/// every batch size.
/// </summary>
/// <remarks>
/// Only the plain shape the stores write is folded: <c>INSERT INTO table (columns) VALUES (values)</c>
/// where each value is an <c>@parameter</c>, <c>NULL</c>, an integer or a quoted literal without commas.
/// Anything else (a statement returning rows, another shape, a parameter of another type) leaves the
/// batch as it is. The rows of one statement keep their order, so an identity column numbers them as
/// the single-row inserts would; rows that two different statements write into one table (the
/// journal's authorization and capture) are numbered one statement after the other. Each member's
/// statements keep their order too: the folded statements run in an order that agrees with every
/// member's, and when none does (a member writes t, then u, then t) the batch is left as it is.
/// </remarks>
public static partial class MultiRowInserts
{
    private static readonly ConcurrentDictionary<string, Template?> Templates = new(StringComparer.Ordinal);

    /// <summary>
    /// The folded statements, or null when there is nothing to fold or a statement cannot be folded.
    /// <paramref name="owners"/>[i] is the batch member that <paramref name="statements"/>[i] belongs to.
    /// </summary>
    public static IReadOnlyList<Statement>? Combine(IReadOnlyList<Statement> statements, IReadOnlyList<int> owners)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(owners);
        if (owners.Count != statements.Count)
        {
            throw new ArgumentException("one owner per statement", nameof(owners));
        }

        var groups = new List<(Template Template, List<Statement> Rows)>();
        var groupOf = new Dictionary<string, int>(StringComparer.Ordinal);
        // Each member's statements run in their order: group "a" before group "b" whenever a member writes an "a" row
        // and then a "b" row.
        var before = new HashSet<(int Earlier, int Later)>();
        var lastGroup = new Dictionary<int, int>();
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            if (statement.ReturnsRows || Templates.GetOrAdd(statement.Sql, Template.Parse) is not { } template)
            {
                return null;
            }

            if (!groupOf.TryGetValue(statement.Sql, out var group))
            {
                group = groups.Count;
                groupOf.Add(statement.Sql, group);
                groups.Add((template, []));
            }

            if (lastGroup.TryGetValue(owners[i], out var previous) && previous != group)
            {
                before.Add((previous, group));
            }

            lastGroup[owners[i]] = group;
            groups[group].Rows.Add(statement);
        }

        if (groups.Count == statements.Count || Ordered(groups.Count, before) is not { } order)
        {
            return null;
        }

        var combined = new List<Statement>(groups.Count);
        foreach (var (template, rows) in order.Select(g => groups[g]))
        {
            if (rows.Count == 1)
            {
                combined.Add(rows[0]);
            }
            else if (template.Fold(rows) is { } folded)
            {
                combined.Add(folded);
            }
            else
            {
                return null;
            }
        }

        return combined;
    }

    /// <summary>
    /// The groups in an order that keeps every "earlier before later" pair, the earliest-seen group first wherever
    /// there is a choice; null when the pairs contradict each other (a member writes "a", then "b", then "a").
    /// </summary>
    private static List<int>? Ordered(int count, HashSet<(int Earlier, int Later)> before)
    {
        var waitingFor = new int[count];
        foreach (var (_, later) in before)
        {
            waitingFor[later]++;
        }

        var order = new List<int>(count);
        var placed = new bool[count];
        while (order.Count < count)
        {
            var next = -1;
            for (var group = 0; group < count && next < 0; group++)
            {
                if (!placed[group] && waitingFor[group] == 0)
                {
                    next = group;
                }
            }

            if (next < 0)
            {
                return null;
            }

            placed[next] = true;
            order.Add(next);
            foreach (var (earlier, later) in before)
            {
                if (earlier == next)
                {
                    waitingFor[later]--;
                }
            }
        }

        return order;
    }

    [GeneratedRegex(@"^INSERT INTO (?<table>[a-z_][a-z0-9_]*) \((?<columns>[^()]*)\) VALUES \((?<values>[^()]*)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex InsertShape();

    [GeneratedRegex(@"^(@(?<parameter>[a-z_][a-z0-9_]*)|NULL|-?[0-9]+|'[^',]*')$", RegexOptions.CultureInvariant)]
    private static partial Regex ValueShape();

    private enum ArrayType
    {
        Text,
        Bigint,
        Integer,
    }

    private sealed class Template
    {
        private readonly string table;
        private readonly string columns;
        private readonly string[] values;
        private readonly string[] parameters;
        private readonly ConcurrentDictionary<string, string> sqlByTypes = new(StringComparer.Ordinal);

        private Template(string table, string columns, string[] values, string[] parameters)
        {
            this.table = table;
            this.columns = columns;
            this.values = values;
            this.parameters = parameters;
        }

        public static Template? Parse(string sql)
        {
            var insert = InsertShape().Match(sql);
            if (!insert.Success)
            {
                return null;
            }

            var columnCount = insert.Groups["columns"].Value.Split(',').Length;
            var values = insert.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries);
            if (values.Length != columnCount)
            {
                return null;
            }

            var parameters = new List<string>();
            foreach (var value in values)
            {
                var shape = ValueShape().Match(value);
                if (!shape.Success)
                {
                    return null;
                }

                if (shape.Groups["parameter"].Success && !parameters.Contains(shape.Groups["parameter"].Value))
                {
                    parameters.Add(shape.Groups["parameter"].Value);
                }
            }

            return parameters.Count == 0 ? null : new Template(insert.Groups["table"].Value, insert.Groups["columns"].Value, values, [.. parameters]);
        }

        /// <summary>One statement for all <paramref name="rows"/>, or null when a parameter's values are not all of one supported type.</summary>
        public Statement? Fold(List<Statement> rows)
        {
            // Each row's parameters read once, in SQL order: values[p][r] is parameter p of row r.
            var values = new object?[parameters.Length][];
            for (var p = 0; p < parameters.Length; p++)
            {
                values[p] = new object?[rows.Count];
            }

            for (var r = 0; r < rows.Count; r++)
            {
                var next = 0;
                for (var p = 0; p < parameters.Length; p++)
                {
                    values[p][r] = rows[r].ValueOf(parameters[p], ref next);
                }
            }

            var arrays = new object[parameters.Length];
            var types = new ArrayType[parameters.Length];
            for (var p = 0; p < parameters.Length; p++)
            {
                if (Column(values[p]) is not var (array, type))
                {
                    return null;
                }

                arrays[p] = array;
                types[p] = type;
            }

            var signature = string.Concat(types.Select(t => (char)('0' + (int)t)));
            var folded = new Statement(sqlByTypes.GetOrAdd(signature, _ => Sql(types)));
            for (var p = 0; p < parameters.Length; p++)
            {
                folded.Add(parameters[p], arrays[p]);
            }

            return folded;
        }

        private string Sql(ArrayType[] types)
        {
            var sql = new StringBuilder("INSERT INTO ").Append(table).Append(" (").Append(columns).Append(") SELECT ");
            for (var v = 0; v < values.Length; v++)
            {
                var value = values[v];
                sql.Append(v == 0 ? "" : ", ").Append(value.StartsWith('@') ? "u.\"" + value[1..] + "\"" : value);
            }

            // The arrays are unnested in a select list (ProjectSet: row by row), not in FROM: a function in FROM is
            // first written to a tuplestore, whose memory the server allocates and gives back for every statement.
            sql.Append(" FROM (SELECT ");
            for (var p = 0; p < parameters.Length; p++)
            {
                var type = types[p] switch { ArrayType.Bigint => "bigint", ArrayType.Integer => "integer", _ => "text" };
                sql.Append(p == 0 ? "" : ", ").Append("unnest(@").Append(parameters[p]).Append("::").Append(type).Append("[]) AS \"").Append(parameters[p]).Append('"');
            }

            return sql.Append(") AS u").ToString();
        }

        /// <summary>One parameter's values, a row each, as one typed array (all null: text); null for another type or a mix.</summary>
        private static (object Array, ArrayType Type)? Column(object?[] found)
        {
            Type? kind = null;
            var anyNull = false;
            foreach (var value in found)
            {
                if (value is null)
                {
                    anyNull = true;
                    continue;
                }

                if (value is not (string or long or int) || (kind is not null && kind != value.GetType()))
                {
                    return null;
                }

                kind = value.GetType();
            }

            if (kind == typeof(long))
            {
                return anyNull
                    ? (found.Select(v => (long?)v).ToArray(), ArrayType.Bigint)
                    : (found.Select(v => (long)v!).ToArray(), ArrayType.Bigint);
            }

            if (kind == typeof(int))
            {
                return anyNull
                    ? (found.Select(v => (int?)v).ToArray(), ArrayType.Integer)
                    : (found.Select(v => (int)v!).ToArray(), ArrayType.Integer);
            }

            return (found.Select(v => (string?)v).ToArray(), ArrayType.Text);
        }
    }
}
