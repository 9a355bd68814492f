using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

/// <summary>How the flows turn the values they find (image URIs, secret references) into the ARNs calls target.</summary>
internal static class ArnShapes
{
    public static readonly string[] PullActions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

    /// <summary>The repository ARN of an ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@DIGEST]), else null.</summary>
    public static Sym? EcrRepositoryArn(Sym image)
    {
        var slash = image.Split('/');
        if (slash.Count < 2)
        {
            return null;
        }

        var host = slash[0].Split('.');
        if (host.Count < 6 || host[1].Literal != "dkr" || host[2].Literal != "ecr")
        {
            return null;
        }

        // the repository name may hold '/', the tag or digest follows the last ':' or '@'
        var path = Sym.Concat([.. slash.Skip(1).SelectMany((piece, i) => i == 0 ? [piece] : new[] { Sym.Lit("/"), piece })]);
        var name = path.Split('@')[0].Split(':')[0];
        return Sym.Concat(Sym.Lit("arn:aws:ecr:"), host[3], Sym.Lit(":"), host[0], Sym.Lit(":repository/"), name);
    }

    /// <summary>A Secrets Manager secret's ARN from a valueFrom (which may add ":json-key:version-stage:version-id").</summary>
    public static Sym? SecretArn(Sym valueFrom)
    {
        if (!valueFrom.StartsWith("arn:aws:secretsmanager:"))
        {
            return null;
        }

        var pieces = valueFrom.Split(':');
        return pieces.Count < 7 ? null : Sym.Concat([.. pieces.Take(7).SelectMany((piece, i) => i == 0 ? [piece] : new[] { Sym.Lit(":"), piece })]);
    }

    /// <summary>An SSM parameter's ARN from a valueFrom (an ARN, or a name in the task's own region).</summary>
    public static Sym? ParameterArn(Sym valueFrom, SymbolicResolver stack)
    {
        if (valueFrom.StartsWith("arn:aws:ssm:"))
        {
            return valueFrom;
        }

        if (valueFrom.StartsWith("arn:"))
        {
            return null;
        }

        var name = valueFrom.Parts is [{ IsAtom: false } first, ..] && first.Text.StartsWith('/') ? new Sym([new SymPart(first.Text[1..], false), .. valueFrom.Parts.Skip(1)]) : valueFrom;
        return Sym.Concat(Sym.Lit("arn:aws:ssm:"), stack.Region, Sym.Lit(":"), stack.Account, Sym.Lit(":parameter/"), name);
    }

    public static Sym LogStream(Sym logGroupName, SymbolicResolver stack) =>
        Sym.Concat(Sym.Lit("arn:aws:logs:"), stack.Region, Sym.Lit(":"), stack.Account, Sym.Lit(":log-group:"), logGroupName, Sym.Lit(":log-stream:"), Sym.Atom("log-stream"));

    public static Sym LogGroup(Sym logGroupName, SymbolicResolver stack) =>
        Sym.Concat(Sym.Lit("arn:aws:logs:"), stack.Region, Sym.Lit(":"), stack.Account, Sym.Lit(":log-group:"), logGroupName);
}
