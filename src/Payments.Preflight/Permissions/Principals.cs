namespace Payments.Preflight.Permissions;

/// <summary>Does a resource-policy statement's Principal cover the caller?</summary>
internal static class Principals
{
    /// <param name="callerHasBoundary">Whether the caller has a permissions boundary (a NotPrincipal deny then always applies).</param>
    public static Tri Match(Statement statement, Caller caller, PolicyEvaluator.PrincipalMatch mode, bool callerHasBoundary = false)
    {
        if (statement.Principal is not { } principal)
        {
            return Tri.Unknown;
        }

        if (statement.NotPrincipal)
        {
            return mode switch
            {
                PolicyEvaluator.PrincipalMatch.Any => Exempt(principal, caller, callerHasBoundary).Not(),
                // AWS does not support NotPrincipal with Allow; services differ in what they do with it.
                PolicyEvaluator.PrincipalMatch.Caller => Tri.Unknown,
                _ => Tri.No,
            };
        }

        return mode switch
        {
            PolicyEvaluator.PrincipalMatch.Account => Delegates(principal, caller),
            PolicyEvaluator.PrincipalMatch.Everyone => Wildcard(principal),
            _ => Listed(principal, caller, mode),
        };
    }

    /// <summary>The account of a role ARN (arn:partition:iam::ACCOUNT:role/name).</summary>
    public static Sym? AccountOf(Sym arn)
    {
        var parts = arn.Split(':');
        return parts.Count >= 6 ? parts[4] : null;
    }

    /// <summary>The account a principal value names as a whole (`123456789012` or `arn:…:iam::123456789012:root`), else null.</summary>
    public static Sym? RootAccount(Sym value)
    {
        if (value.Parts is [{ IsAtom: true } atom] && atom.Text == "AWS::AccountId")
        {
            return value;
        }

        if (value.Literal is { Length: 12 } digits && digits.All(char.IsAsciiDigit))
        {
            return value;
        }

        var parts = value.Split(':');
        return parts.Count == 6 && parts[0].Literal == "arn" && parts[2].Literal == "iam" && parts[3].Parts.Count == 0 && parts[5].Literal == "root" ? parts[4] : null;
    }

    private static Tri Listed(PrincipalSpec principal, Caller caller, PolicyEvaluator.PrincipalMatch mode)
    {
        if (principal.Everyone)
        {
            return Tri.Yes;
        }

        var result = Tri.No;
        foreach (var (type, values) in principal.Entries)
        {
            if (values is null)
            {
                result = result.Or(Tri.Unknown);
                continue;
            }

            foreach (var value in values)
            {
                result = result.Or(type switch
                {
                    "Service" when caller.IsService => value.SameValue(caller.Arn, ignoreCase: true),
                    "AWS" when value.Literal == "*" => caller.IsService ? Tri.Unknown : Tri.Yes,
                    "AWS" when caller.IsService => Tri.No,
                    // an account principal covers the account's own root (a cross-account caller such as ELB log delivery)
                    // and, for denies, everyone in the account
                    "AWS" when RootAccount(value) is { } account => (mode == PolicyEvaluator.PrincipalMatch.Any || RootAccount(caller.Arn) is not null) && AccountOf(caller.Arn) is { } own ? account.SameValue(own) : Tri.No,
                    "AWS" => value.SameValue(caller.Arn),
                    _ => Tri.No,
                });
            }
        }

        return result;
    }

    /// <summary>
    /// Is the caller spared by a NotPrincipal deny? A role is when both the role and its account are listed, and is
    /// not when neither is. AWS checks the account, then the role, then the session, and says that naming one
    /// without the other "might" deny (IAM docs, NotPrincipal): unknown. A principal with a permissions boundary is
    /// never spared.
    /// </summary>
    private static Tri Exempt(PrincipalSpec principal, Caller caller, bool callerHasBoundary)
    {
        if (principal.Everyone)
        {
            return Tri.Yes;
        }

        if (caller.IsService)
        {
            return Listed(principal, caller, PolicyEvaluator.PrincipalMatch.Caller);
        }

        if (callerHasBoundary)
        {
            return Tri.No;
        }

        if (!principal.Entries.TryGetValue("AWS", out var values))
        {
            return principal.Entries.Values.Any(v => v is null) ? Tri.Unknown : Tri.No;
        }

        if (values is null || AccountOf(caller.Arn) is not { } own)
        {
            return Tri.Unknown;
        }

        var role = Tri.No;
        var account = Tri.No;
        foreach (var value in values)
        {
            if (value.Literal == "*")
            {
                return Tri.Yes;
            }

            if (RootAccount(value) is { } named)
            {
                account = account.Or(named.SameValue(own));
            }
            else
            {
                role = role.Or(value.SameValue(caller.Arn));
            }
        }

        var both = role.And(account);
        return both == Tri.Yes ? Tri.Yes : role.Or(account) == Tri.No ? Tri.No : Tri.Unknown;
    }

    /// <summary>Does the statement name everyone (`"*"` or `{"AWS": "*"}`)?</summary>
    private static Tri Wildcard(PrincipalSpec principal)
    {
        if (principal.Everyone)
        {
            return Tri.Yes;
        }

        if (!principal.Entries.TryGetValue("AWS", out var values))
        {
            return Tri.No;
        }

        return values is null ? Tri.Unknown : TriLogic.Any(values, value => value.SameValue(Sym.Lit("*")));
    }

    /// <summary>Does the statement name the caller's account (root), so that the caller's identity policies decide?</summary>
    private static Tri Delegates(PrincipalSpec principal, Caller caller)
    {
        if (caller.IsService || principal.Everyone || AccountOf(caller.Arn) is not { } own)
        {
            return Tri.No;
        }

        var result = Tri.No;
        if (principal.Entries.TryGetValue("AWS", out var values))
        {
            if (values is null)
            {
                return Tri.Unknown;
            }

            foreach (var value in values)
            {
                if (RootAccount(value) is { } account)
                {
                    result = result.Or(account.SameValue(own));
                }
            }
        }

        return result;
    }
}
