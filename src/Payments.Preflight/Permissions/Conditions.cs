namespace Payments.Preflight.Permissions;

/// <summary>
/// Condition blocks: the string, ARN, Bool and Null operators with IfExists and the ForAnyValue/ForAllValues
/// set prefixes. Numeric, date, IP and binary comparisons are unknown (no flow here depends on them).
/// </summary>
internal static class Conditions
{
    /// <summary>The global condition keys whose request values are lists (IAM docs, global condition keys).</summary>
    private static readonly HashSet<string> MultivaluedKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "aws:TagKeys", "aws:CalledVia", "aws:PrincipalOrgPaths", "aws:PrincipalServiceNamesList", "aws:ResourceOrgPaths", "aws:SourceOrgPaths",
    };

    private static readonly string[] Negated = ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress"];

    public static Tri Evaluate(IReadOnlyList<ConditionClause>? clauses, AccessRequest request)
    {
        if (clauses is null)
        {
            return Tri.Unknown;
        }

        return TriLogic.All(clauses, clause => Clause(clause, request));
    }

    private static Tri Clause(ConditionClause clause, AccessRequest request)
    {
        var op = clause.Operator;
        var forAny = op.StartsWith("ForAnyValue:", StringComparison.Ordinal);
        var forAll = op.StartsWith("ForAllValues:", StringComparison.Ordinal);
        if (forAny || forAll)
        {
            op = op[(op.IndexOf(':', StringComparison.Ordinal) + 1)..];
        }

        var ifExists = op.EndsWith("IfExists", StringComparison.Ordinal) && op != "IfExists";
        if (ifExists)
        {
            op = op[..^"IfExists".Length];
        }

        if (clause.Values is not { } expected)
        {
            return Tri.Unknown;
        }

        var actual = request.ContextValues(clause.Key, out var known);
        if (!known)
        {
            return Tri.Unknown;
        }

        var negated = Negated.Contains(op, StringComparer.Ordinal);
        if (op == "Null")
        {
            var absent = actual is null || actual.Count == 0;
            return TriLogic.Any(expected, value => value.Literal?.ToUpperInvariant() switch
            {
                "TRUE" => TriLogic.Of(absent),
                "FALSE" => TriLogic.Of(!absent),
                _ => Tri.Unknown,
            });
        }

        if (actual is null || actual.Count == 0)
        {
            // ForAnyValue over no values is false even with IfExists (AWS answers so; IfExists does not rescue it).
            if (forAny)
            {
                return Tri.No;
            }

            return ifExists || forAll ? Tri.Yes : TriLogic.Of(negated);
        }

        // AWS requires a set operator on a multivalued key and does not document what a bare operator does there.
        if (!forAny && !forAll && MultivaluedKeys.Contains(clause.Key))
        {
            return Tri.Unknown;
        }

        var positive = Positive(op);
        if (positive is null)
        {
            return Tri.Unknown;
        }

        Tri ValueMatches(Sym value)
        {
            var any = TriLogic.Any(expected, pattern => positive(pattern, value));
            return negated ? any.Not() : any;
        }

        if (forAll)
        {
            return TriLogic.All(actual, ValueMatches);
        }

        if (forAny)
        {
            return TriLogic.Any(actual, ValueMatches);
        }

        // A single-valued key: the negated operators hold when no expected value matches.
        var matched = TriLogic.Any(actual, value => TriLogic.Any(expected, pattern => positive(pattern, value)));
        return negated ? matched.Not() : matched;
    }

    private static Func<Sym, Sym, Tri>? Positive(string op) => op switch
    {
        "StringEquals" or "StringNotEquals" => static (pattern, value) => pattern.SameValue(value),
        "StringEqualsIgnoreCase" or "StringNotEqualsIgnoreCase" => static (pattern, value) => pattern.SameValue(value, ignoreCase: true),
        "StringLike" or "StringNotLike" => static (pattern, value) => Patterns.Match(pattern, value, ignoreCase: false),
        "ArnEquals" or "ArnNotEquals" or "ArnLike" or "ArnNotLike" => static (pattern, value) => Patterns.MatchArn(pattern, value, shortPatternPads: false),
        "Bool" => static (pattern, value) => pattern.SameValue(value, ignoreCase: true),
        _ => null,
    };
}
