using System.Collections.Concurrent;
using System.Text;

namespace Payments.Api.Storage;

/// <summary>
/// A <see cref="Statement"/>'s SQL with its <c>@name</c> parameters turned into PostgreSQL's
/// positional <c>$1, $2, ...</c>, computed once per distinct SQL text. Npgsql sends SQL with
/// positional, unnamed parameters as-is ("raw mode"); with named ones it parses and rewrites the SQL
/// text and looks every parameter up by name on every execution (its cost: docs/api.md).
/// </summary>
public sealed class PositionalSql
{
    private static readonly ConcurrentDictionary<string, PositionalSql> Cache = new(StringComparer.Ordinal);

    private PositionalSql(string sql, string[] names)
    {
        Sql = sql;
        Names = names;
    }

    /// <summary>The SQL with <c>$n</c> placeholders.</summary>
    public string Sql { get; }

    /// <summary>Parameter names in placeholder order: <c>$1</c> is <c>Names[0]</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The translation of <paramref name="sql"/> (cached; the hot statements are a few constants).</summary>
    public static PositionalSql For(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return Cache.GetOrAdd(sql, Translate);
    }

    /// <summary>
    /// Replaces each <c>@name</c> outside string literals, quoted identifiers and comments by
    /// <c>$n</c>; a name used twice gets the same number.
    /// </summary>
    public static PositionalSql Translate(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var output = new StringBuilder(sql.Length);
        var names = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c is '\'' or '"')
            {
                // A literal or quoted identifier runs to the matching quote; a doubled quote is an escaped one.
                var end = i + 1;
                while (end < sql.Length)
                {
                    if (sql[end] == c)
                    {
                        if (end + 1 < sql.Length && sql[end + 1] == c)
                        {
                            end += 2;
                            continue;
                        }

                        break;
                    }

                    end++;
                }

                end = Math.Min(end + 1, sql.Length);
                output.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                output.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '@' && i + 1 < sql.Length && IsNameStart(sql[i + 1]) && (i == 0 || !IsNamePart(sql[i - 1])))
            {
                var end = i + 1;
                while (end < sql.Length && IsNamePart(sql[end]))
                {
                    end++;
                }

                var name = sql[(i + 1)..end];
                var index = names.IndexOf(name);
                if (index < 0)
                {
                    names.Add(name);
                    index = names.Count - 1;
                }

                output.Append('$').Append(index + 1);
                i = end;
            }
            else
            {
                output.Append(c);
                i++;
            }
        }

        return new PositionalSql(output.ToString(), [.. names]);
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
