using Payments.Preflight.Model;

namespace Payments.Preflight.Permissions;

internal enum Effect : byte { Unknown, Allow, Deny }

/// <summary>A policy's `Principal` element: `"*"`, or lists per type (AWS, Service, Federated, CanonicalUser).</summary>
/// <param name="Entries">Per principal type, its values; a null list means the template does not fix them.</param>
internal sealed record PrincipalSpec(bool Everyone, IReadOnlyDictionary<string, IReadOnlyList<Sym>?> Entries);

/// <param name="Operator">As written, e.g. "ForAnyValue:StringLikeIfExists".</param>
/// <param name="Values">Null when the template does not fix them.</param>
internal sealed record ConditionClause(string Operator, string Key, IReadOnlyList<Sym>? Values);

/// <summary>
/// One statement. Null lists mean "cannot be told from the templates" (an unresolved intrinsic); an opaque
/// statement (behind Fn::If, say) may say anything and makes every answer it touches unknown.
/// </summary>
internal sealed record Statement(
    string? Sid,
    Effect Effect,
    PrincipalSpec? Principal,
    bool NotPrincipal,
    IReadOnlyList<Sym>? Actions,
    bool NotAction,
    IReadOnlyList<Sym>? Resources,
    bool NotResource,
    IReadOnlyList<ConditionClause>? Conditions,
    bool Opaque,
    int? Line)
{
    public static Statement OpaqueAt(int? line) => new(null, Effect.Unknown, null, false, null, false, null, false, null, true, line);

    /// <summary>How a finding names the statement: its Sid, else its line.</summary>
    public string Describe() => Sid is { Length: > 0 } ? $"statement '{Rules.Excerpt.Of(Sid)}'" : Line is { } line ? $"the statement at line {line}" : "a statement";
}

/// <summary>A policy document and where it comes from, e.g. "inline policy 'Pull' of role ApiExecutionRole".</summary>
internal sealed record PolicyDocument(string Origin, IReadOnlyList<Statement> Statements, bool Opaque = false)
{
    public static PolicyDocument Unknown(string origin) => new(origin, [], Opaque: true);

    /// <summary>
    /// Reads a policy document node. <paramref name="resolve"/> turns a value node into a symbolic string, or null
    /// when it cannot (then that part of the statement is unknown).
    /// </summary>
    public static PolicyDocument Parse(string origin, Node? document, Func<Node, Sym?> resolve)
    {
        if (document is not MappingNode { IntrinsicName: null } map)
        {
            return Unknown(origin);
        }

        var statementNode = map["Statement"];
        IReadOnlyList<Node> items = statementNode switch
        {
            SequenceNode list => list.Items,
            MappingNode { IntrinsicName: null } single => [single],
            null => [],
            _ => [],
        };
        if (statementNode is MappingNode { IntrinsicName: not null } or ScalarNode)
        {
            return Unknown(origin);
        }

        var statements = new List<Statement>(items.Count);
        foreach (var item in items)
        {
            statements.Add(item is MappingNode { IntrinsicName: null } statement ? ParseStatement(statement, resolve) : Statement.OpaqueAt(item.Line));
        }

        return new PolicyDocument(origin, statements);
    }

    private static Statement ParseStatement(MappingNode statement, Func<Node, Sym?> resolve)
    {
        var effect = (statement["Effect"] is { } effectNode ? resolve(effectNode)?.Literal : null) switch
        {
            "Allow" => Effect.Allow,
            "Deny" => Effect.Deny,
            _ => Effect.Unknown,
        };
        var sid = statement["Sid"] is { } sidNode ? resolve(sidNode)?.Literal : null;
        var principalNode = statement["Principal"] ?? statement["NotPrincipal"];
        var principal = principalNode is null ? null : ParsePrincipal(principalNode, resolve);
        IReadOnlyList<Sym>? actions = [];
        var notAction = statement["Action"] is null && statement["NotAction"] is not null;
        if ((statement["Action"] ?? statement["NotAction"]) is { } actionNode)
        {
            actions = List(actionNode, resolve);
        }

        IReadOnlyList<Sym>? resources = null;
        var notResource = statement["Resource"] is null && statement["NotResource"] is not null;
        if ((statement["Resource"] ?? statement["NotResource"]) is { } resourceNode)
        {
            resources = List(resourceNode, resolve);
        }
        var conditions = statement["Condition"] is { } condition ? ParseConditions(condition, resolve) : [];
        var opaque = principalNode is not null && principal is null;
        return new Statement(sid, effect, principal, statement["NotPrincipal"] is not null, actions, notAction, resources, notResource, conditions, opaque, statement.Line);
    }

    private static PrincipalSpec? ParsePrincipal(Node node, Func<Node, Sym?> resolve)
    {
        if (node is ScalarNode { Value: "*" })
        {
            return new PrincipalSpec(true, new Dictionary<string, IReadOnlyList<Sym>?>());
        }

        if (node is not MappingNode { IntrinsicName: null } map)
        {
            return null;
        }

        var entries = new Dictionary<string, IReadOnlyList<Sym>?>(StringComparer.Ordinal);
        foreach (var (type, value) in map.Entries)
        {
            entries[type] = List(value, resolve);
        }

        return new PrincipalSpec(false, entries);
    }

    private static List<ConditionClause>? ParseConditions(Node node, Func<Node, Sym?> resolve)
    {
        if (node is not MappingNode { IntrinsicName: null } map)
        {
            return null;
        }

        var clauses = new List<ConditionClause>();
        foreach (var (op, block) in map.Entries)
        {
            if (block is not MappingNode { IntrinsicName: null } keys)
            {
                return null;
            }

            foreach (var (key, values) in keys.Entries)
            {
                clauses.Add(new ConditionClause(op, key, List(values, resolve)));
            }
        }

        return clauses;
    }

    /// <summary>A string or a list of strings; null when any item (or the list itself) is unresolved.</summary>
    private static List<Sym>? List(Node node, Func<Node, Sym?> resolve)
    {
        if (node is SequenceNode sequence)
        {
            var result = new List<Sym>(sequence.Items.Count);
            foreach (var item in sequence.Items)
            {
                if (resolve(item) is not { } value)
                {
                    return null;
                }

                result.Add(value);
            }

            return result;
        }

        return resolve(node) is { } single ? [single] : null;
    }

    /// <summary>For documents that hold no intrinsics (data files, test cases): scalars as literals.</summary>
    public static Sym? LiteralOnly(Node node) => node is ScalarNode { Kind: not ScalarKind.Null } scalar ? Sym.Lit(scalar.Value) : null;
}
