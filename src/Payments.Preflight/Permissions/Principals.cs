namespace Payments.Preflight.Permissions;

/// <summary>Does a resource-policy statement's Principal cover the caller?</summary>
internal static class Principals
{
    public static Tri Match(Statement statement, Caller caller, PolicyEvaluator.PrincipalMatch mode)
    {
        if (statement.Principal is not { } principal)
        {
            return Tri.Unknown;
        }

        var listed = Listed(principal, caller, mode == PolicyEvaluator.PrincipalMatch.Account ? PolicyEvaluator.PrincipalMatch.Any : mode);
        if (statement.NotPrincipal)
        {
            return mode == PolicyEvaluator.PrincipalMatch.Account ? Tri.No : listed.Not();
        }

        return mode == PolicyEvaluator.PrincipalMatch.Account ? Delegates(principal, caller) : listed;
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
