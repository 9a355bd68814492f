namespace Payments.Preflight.Permissions;

/// <summary>Who calls: an IAM role of the account, or an AWS service acting on its own behalf.</summary>
/// <param name="Arn">The role's ARN (for a service: its principal name, e.g. events.amazonaws.com).</param>
/// <param name="Display">How findings name it, e.g. "role ApiExecutionRole".</param>
internal sealed record Caller(Sym Arn, bool IsService, string Display)
{
    public static Caller Service(string name) => new(Sym.Lit(name), true, name);

    public static Caller Role(Sym arn, string display) => new(arn, false, display);
}

/// <summary>
/// "May <see cref="Caller"/> perform <see cref="Action"/> on <see cref="Resource"/>?" with the request context the
/// flow knows. Keys in <see cref="Context"/> with a null value are known to be absent; keys not listed are absent
/// when <see cref="ContextComplete"/>, else unknown.
/// </summary>
internal sealed record AccessRequest(
    Caller Caller,
    string Action,
    Sym Resource,
    IReadOnlyDictionary<string, IReadOnlyList<Sym>?> Context,
    bool ContextComplete = false)
{
    public IReadOnlyList<Sym>? ContextValues(string key, out bool known)
    {
        foreach (var (name, values) in Context)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                known = true;
                return values;
            }
        }

        known = ContextComplete;
        return null;
    }

    public override string ToString() => $"{Caller.Display} {Action} on {Resource}";
}

/// <summary>Everything that decides one request, as AWS evaluates it within one account.</summary>
/// <param name="Identity">Identity-based policies of the caller (none for a service principal).</param>
/// <param name="Boundary">The caller's permissions boundary, if it has one.</param>
/// <param name="ResourcePolicy">The policy of the resource (a topic, queue, bucket, repository, function, secret).</param>
/// <param name="KeyPolicy">For KMS calls: the key policy, which must allow the call itself or delegate to the account.</param>
internal sealed record PolicySet(
    IReadOnlyList<PolicyDocument> Identity,
    PolicyDocument? Boundary = null,
    PolicyDocument? ResourcePolicy = null,
    PolicyDocument? KeyPolicy = null)
{
    public static readonly PolicySet None = new([]);
}

internal enum Answer : byte { Refused, Unknown, Allowed }

/// <summary>The answer, and the statement (or the missing statement) that decides it.</summary>
internal sealed record Decision(Answer Answer, string Reason, Statement? Deciding = null, PolicyDocument? DecidingPolicy = null)
{
    public bool Refused => Answer == Answer.Refused;
}
