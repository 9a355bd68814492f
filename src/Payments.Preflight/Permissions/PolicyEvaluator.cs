namespace Payments.Preflight.Permissions;

/// <summary>
/// Evaluates a request as AWS does within one account: an explicit deny anywhere wins; otherwise an identity
/// policy (inside the permissions boundary) or a resource policy naming the caller may allow — except KMS,
/// where the key policy must allow the caller or delegate to the account (then the identity policy decides).
/// Service principals have no identity policy. SCPs, session policies and KMS grants are outside the model.
/// </summary>
internal static class PolicyEvaluator
{
    public static Decision Evaluate(AccessRequest request, PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policies);
        var caller = request.Caller;
        var identity = caller.IsService ? [] : policies.Identity;

        // explicit deny anywhere
        var deny = Tri.No;
        (Statement?, PolicyDocument?) denyBy = (null, null);
        foreach (var document in identity.Concat(Optional(policies.Boundary)))
        {
            Track(ref deny, ref denyBy, document, Applies(document, request, Effect.Deny, resourcePolicy: false));
        }

        foreach (var document in Optional(policies.ResourcePolicy).Concat(Optional(policies.KeyPolicy)))
        {
            Track(ref deny, ref denyBy, document, Applies(document, request, Effect.Deny, resourcePolicy: true, callerHasBoundary: !caller.IsService && policies.Boundary is not null));
        }

        if (deny == Tri.Yes)
        {
            return new Decision(Answer.Refused, $"explicitly denied by {denyBy.Item1!.Describe()} of {denyBy.Item2!.Origin}", denyBy.Item1, denyBy.Item2);
        }

        var identityAllow = Tri.No;
        (Statement?, PolicyDocument?) identityBy = (null, null);
        foreach (var document in identity)
        {
            Track(ref identityAllow, ref identityBy, document, Applies(document, request, Effect.Allow, resourcePolicy: false));
        }

        var boundary = Tri.Yes;
        if (!caller.IsService && policies.Boundary is { } boundaryPolicy)
        {
            boundary = Applies(boundaryPolicy, request, Effect.Allow, resourcePolicy: false).Result;
        }

        Tri allow;
        string missing;
        (Statement?, PolicyDocument?) allowBy;
        if (policies.KeyPolicy is { } keyPolicy)
        {
            var direct = Applies(keyPolicy, request, Effect.Allow, resourcePolicy: true, PrincipalMatch.Caller);
            var delegated = caller.IsService ? Tri.No : Applies(keyPolicy, request, Effect.Allow, resourcePolicy: true, PrincipalMatch.Account).Result;
            var viaIdentity = delegated.And(identityAllow).And(boundary);
            allow = (caller.IsService ? direct.Result : direct.Result.And(boundary).Or(BoundaryBypass(keyPolicy, request, boundary))).Or(viaIdentity);
            allowBy = direct.Result == Tri.Yes ? (direct.Statement, keyPolicy) : identityBy;
            missing = delegated == Tri.No
                ? $"the key policy ({keyPolicy.Origin}) neither allows {caller.Display} nor delegates to the account"
                : $"the key policy delegates to the account, but no identity policy of {caller.Display} allows it";
        }
        else
        {
            var resourceAllow = Tri.No;
            (Statement?, PolicyDocument?) resourceBy = (null, null);
            if (policies.ResourcePolicy is { } resourcePolicy)
            {
                var match = Applies(resourcePolicy, request, Effect.Allow, resourcePolicy: true, PrincipalMatch.Caller);
                resourceAllow = caller.IsService ? match.Result : match.Result.And(boundary).Or(BoundaryBypass(resourcePolicy, request, boundary));
                resourceBy = (match.Statement, resourcePolicy);
            }

            allow = identityAllow.And(boundary).Or(resourceAllow);
            allowBy = resourceAllow == Tri.Yes ? resourceBy : identityBy;
            missing = caller.IsService
                ? policies.ResourcePolicy is null
                    ? $"the resource has no resource policy, and a service principal has no identity policy"
                    : $"no statement of {policies.ResourcePolicy.Origin} allows {caller.Display}"
                : boundary == Tri.No && identityAllow == Tri.Yes
                    ? "the permissions boundary does not allow it"
                    : $"no identity policy of {caller.Display}{(policies.ResourcePolicy is null ? string.Empty : " and no statement of " + policies.ResourcePolicy.Origin)} allows it";
        }

        if (allow == Tri.No)
        {
            return new Decision(Answer.Refused, missing);
        }

        if (allow == Tri.Yes && deny == Tri.No)
        {
            return new Decision(Answer.Allowed, $"allowed by {allowBy.Item1?.Describe() ?? "a statement"} of {allowBy.Item2?.Origin}", allowBy.Item1, allowBy.Item2);
        }

        return new Decision(Answer.Unknown, deny == Tri.Unknown ? $"a deny may apply ({denyBy.Item2?.Origin})" : "an allow depends on values the templates do not fix");
    }

    private static IEnumerable<PolicyDocument> Optional(PolicyDocument? document) => document is null ? [] : [document];

    /// <summary>
    /// A boundary limits what a resource policy grants to the role's ARN, not what it grants to the role session
    /// itself (IAM docs, permissions boundaries); whether a grant to everyone counts as one to the session is not
    /// documented, so such a grant past a boundary that does not allow the call is unknown.
    /// </summary>
    private static Tri BoundaryBypass(PolicyDocument policy, AccessRequest request, Tri boundary) =>
        boundary == Tri.Yes ? Tri.No : Applies(policy, request, Effect.Allow, resourcePolicy: true, PrincipalMatch.Everyone).Result.And(Tri.Unknown);

    private static void Track(ref Tri total, ref (Statement?, PolicyDocument?) by, PolicyDocument document, (Tri Result, Statement? Statement) match)
    {
        if (match.Result > total || (match.Result == total && by.Item1 is null && match.Statement is not null))
        {
            by = (match.Statement, document);
        }

        total = total.Or(match.Result);
    }

    internal enum PrincipalMatch : byte
    {
        /// <summary>Deny statements: any principal that covers the caller (including its account).</summary>
        Any,

        /// <summary>Names the caller itself (or everyone).</summary>
        Caller,

        /// <summary>Names the caller's account (root), delegating to its identity policies.</summary>
        Account,

        /// <summary>Names everyone (`"*"`, `{"AWS": "*"}`).</summary>
        Everyone,
    }

    /// <summary>Does any statement of <paramref name="effect"/> in the document apply to the request?</summary>
    private static (Tri Result, Statement? Statement) Applies(PolicyDocument document, AccessRequest request, Effect effect, bool resourcePolicy, PrincipalMatch principal = PrincipalMatch.Any, bool callerHasBoundary = false)
    {
        if (document.Opaque)
        {
            return (Tri.Unknown, null);
        }

        var result = Tri.No;
        Statement? by = null;
        foreach (var statement in document.Statements)
        {
            var applies = StatementApplies(statement, request, effect, resourcePolicy, principal, callerHasBoundary);
            if (applies > result)
            {
                result = applies;
                by = statement;
                if (result == Tri.Yes)
                {
                    break;
                }
            }
        }

        return (result, by);
    }

    private static Tri StatementApplies(Statement statement, AccessRequest request, Effect effect, bool resourcePolicy, PrincipalMatch principal, bool callerHasBoundary)
    {
        if (statement.Opaque)
        {
            return Tri.Unknown;
        }

        var effectMatch = statement.Effect == Effect.Unknown ? Tri.Unknown : TriLogic.Of(statement.Effect == effect);
        if (effectMatch == Tri.No)
        {
            return Tri.No;
        }

        var result = effectMatch;
        if (resourcePolicy)
        {
            result = result.And(Principals.Match(statement, request.Caller, principal, callerHasBoundary));
            if (result == Tri.No)
            {
                return Tri.No;
            }
        }

        result = result.And(ActionMatch(statement, request.Action));
        if (result == Tri.No)
        {
            return Tri.No;
        }

        result = result.And(ResourceMatch(statement, request.Resource, resourcePolicy));
        if (result == Tri.No)
        {
            return Tri.No;
        }

        return result.And(Conditions.Evaluate(statement.Conditions, request));
    }

    // A run asks about a few dozen actions, each against many statements.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Sym> ActionValues = new(StringComparer.Ordinal);

    private static Tri ActionMatch(Statement statement, string action)
    {
        if (statement.Actions is null)
        {
            return Tri.Unknown;
        }

        var value = ActionValues.GetOrAdd(action, static a => Sym.Lit(a));
        var any = Tri.No;
        foreach (var pattern in statement.Actions)
        {
            any = any.Or(pattern.Matches(value, ignoreCase: true));
            if (any == Tri.Yes)
            {
                break;
            }
        }

        return statement.NotAction ? any.Not() : any;
    }

    private static Tri ResourceMatch(Statement statement, Sym resource, bool resourcePolicy)
    {
        if (statement.Resources is null)
        {
            // A resource policy without Resource applies to the resource it is attached to.
            return resourcePolicy && !statement.NotResource ? Tri.Yes : Tri.Unknown;
        }

        var any = Tri.No;
        foreach (var pattern in statement.Resources)
        {
            any = any.Or(Patterns.MatchArn(pattern, resource, shortPatternPads: true));
            if (any == Tri.Yes)
            {
                break;
            }
        }

        return statement.NotResource ? any.Not() : any;
    }
}

/// <summary>Pattern matching that knows about policy variables (`${aws:username}`): those are unknown here.</summary>
internal static class Patterns
{
    public static Tri Match(Sym pattern, Sym value, bool ignoreCase)
    {
        foreach (var part in pattern.Parts)
        {
            if (!part.IsAtom && part.Text.Contains("${", StringComparison.Ordinal))
            {
                return Tri.Unknown;
            }
        }

        return pattern.Matches(value, ignoreCase);
    }

    /// <summary>
    /// An ARN pattern against an ARN. AWS matches the five leading segments (arn, partition, service, region, account)
    /// one by one, yet its docs also say a `*` ending a segment "can expand to match beyond the colon boundaries", and
    /// call a wildcard in the resource type (`key/`, `repository/`) incorrect: where matching per segment and over the
    /// whole string disagree, or a wildcard stands in the type, the answer is unknown.
    /// </summary>
    /// <param name="shortPatternPads">Resource elements read a pattern of fewer than six segments as if padded with
    /// `*` segments; ARN condition operators need all six.</param>
    public static Tri MatchArn(Sym pattern, Sym value, bool shortPatternPads)
    {
        var whole = Match(pattern, value, ignoreCase: false);
        if (pattern.Literal == "*")
        {
            return whole;
        }

        var patternParts = pattern.Split(':');
        var valueParts = value.Split(':');
        if (valueParts.Count < 6 || valueParts[0].Literal != "arn")
        {
            return whole;
        }

        if (patternParts.Count >= 6 && !HasWildcard(patternParts[0]) && !HasWildcard(patternParts[1]) && !HasWildcard(patternParts[2]) && !HasWildcard(patternParts[3]) && !HasWildcard(patternParts[4]))
        {
            return whole == Tri.Yes && WildcardInType(patternParts) ? Tri.Unknown : whole;
        }

        if (patternParts.Count < 6 && !shortPatternPads)
        {
            // Not an ARN: what the ARN operators (negated ones included) make of it is not documented.
            return Tri.Unknown;
        }

        var padded = patternParts.Concat(Enumerable.Repeat(Sym.Lit("*"), Math.Max(0, 6 - patternParts.Count))).ToList();
        var bySegment = TriLogic.All(Enumerable.Range(0, 5), i => Match(padded[i], valueParts[i], ignoreCase: false))
            .And(Match(Rest(padded), Rest(valueParts), ignoreCase: false));
        return whole == bySegment && !(whole == Tri.Yes && WildcardInType(patternParts)) ? whole : Tri.Unknown;
    }

    private static bool HasWildcard(Sym piece)
    {
        foreach (var part in piece.Parts)
        {
            if (!part.IsAtom && part.Text.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The resource part: everything after the fifth colon, colons included.</summary>
    private static Sym Rest(IReadOnlyList<Sym> parts)
    {
        var rest = parts[5];
        for (var i = 6; i < parts.Count; i++)
        {
            rest = rest + ":" + parts[i];
        }

        return rest;
    }

    /// <summary>A wildcard before the first `/` or `:` of the resource part (its type), outside S3 whose part is a bucket name.</summary>
    private static bool WildcardInType(IReadOnlyList<Sym> patternParts)
    {
        if (patternParts.Count < 6 || patternParts[2].Literal == "s3" || Rest(patternParts).Parts is not [{ IsAtom: false } first, ..])
        {
            return false;
        }

        var separator = first.Text.AsSpan().IndexOfAny('/', ':');
        return separator > 0 && first.Text.AsSpan(0, separator).IndexOfAny('*', '?') >= 0;
    }
}
