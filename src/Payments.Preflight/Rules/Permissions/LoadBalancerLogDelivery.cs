using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Rules.Permissions;

internal sealed class LoadBalancerLogDelivery : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.LoadBalancerLogDelivery, Severity.Error,
        "Load balancer access-log bucket must admit Elastic Load Balancing log delivery",
        "When `access_logs.s3.enabled` is true, Elastic Load Balancing writes a test object to the bucket as it applies the attribute; the bucket policy must allow `s3:PutObject` on `<prefix>/AWSLogs/<account>/*` to the region's Elastic Load Balancing account (older regions) or to `logdelivery.elasticloadbalancing.amazonaws.com`. Otherwise creating or updating the load balancer fails: \"Access Denied for bucket: … Please check S3bucket permission\".",
        "Add a bucket policy statement allowing the ELB principal `s3:PutObject` on the log prefix (CDK: `loadBalancer.LogAccessLogs(bucket, prefix)` adds it).",
        "002",
        """
        Resources:
          Logs:
            Type: AWS::S3::Bucket
          LoadBalancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Subnets: [ subnet-0123456789abcdef0, subnet-0123456789abcdef1 ]
              LoadBalancerAttributes:
                - { Key: access_logs.s3.enabled, Value: "true" }
                - { Key: access_logs.s3.bucket, Value: !Ref Logs }
                - { Key: access_logs.s3.prefix, Value: alb }
        """,
        """
        Resources:
          Logs:
            Type: AWS::S3::Bucket
          LogsPolicy:
            Type: AWS::S3::BucketPolicy
            Properties:
              Bucket: !Ref Logs
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: logdelivery.elasticloadbalancing.amazonaws.com }
                    Action: s3:PutObject
                    Resource: !Sub "${Logs.Arn}/alb/AWSLogs/${AWS::AccountId}/*"
          LoadBalancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Subnets: [ subnet-0123456789abcdef0, subnet-0123456789abcdef1 ]
              LoadBalancerAttributes:
                - { Key: access_logs.s3.enabled, Value: "true" }
                - { Key: access_logs.s3.bucket, Value: !Ref Logs }
                - { Key: access_logs.s3.prefix, Value: alb }
        """);

    public override void Check(RuleContext context)
    {
        foreach (var loadBalancer in context.Template.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer"))
        {
            var attributes = new Dictionary<string, Node>(StringComparer.Ordinal);
            foreach (var item in Engine.Resolver.Items(loadBalancer.Property("LoadBalancerAttributes")))
            {
                if (item is MappingNode pair && context.Symbols.Resolve(pair["Key"])?.Literal is { } key && pair["Value"] is { } value)
                {
                    attributes[key] = value;
                }
            }

            if (!attributes.TryGetValue("access_logs.s3.enabled", out var enabled) || context.Symbols.Resolve(enabled)?.Literal?.ToUpperInvariant() != "TRUE"
                || !attributes.TryGetValue("access_logs.s3.bucket", out var bucketNode) || context.Symbols.Resolve(bucketNode) is not { } bucketName
                || context.Access.Locate(bucketName, "AWS::S3::Bucket") is not { } bucket)
            {
                continue;
            }

            var prefix = attributes.TryGetValue("access_logs.s3.prefix", out var prefixNode) ? context.Symbols.Resolve(prefixNode) : Sym.Empty;
            if (prefix is null)
            {
                continue;
            }

            var objectArn = context.Access.Resolver(bucket.Template).Arn(bucket.Resource) + "/" + (prefix.Parts.Count > 0 ? prefix + "/" : Sym.Empty)
                + "AWSLogs/" + context.Symbols.Account + "/" + Sym.Atom("log-object");
            var target = context.Access.TargetOf(bucket.Template, bucket.Resource);
            var service = Caller.Service("logdelivery.elasticloadbalancing.amazonaws.com");
            var request = FlowCheck.Request(service, "s3:PutObject", objectArn, FlowCheck.OnBehalfOf(context, null));
            var decision = context.Access.Check(request, target);
            // Either principal may deliver: the service principal, or (older regions) the region's ELB account.
            var account = decision.Refused ? ElbAccount(context, target.ResourcePolicy, objectArn) : Tri.No;
            var (answer, reason) = !decision.Refused ? (decision.Answer.ToString(), decision.Reason)
                : account == Tri.Yes ? ("Allowed", "allowed for the region's Elastic Load Balancing account by the bucket policy")
                : account == Tri.Unknown ? ("Unknown", "the bucket policy names an Elastic Load Balancing account; which one delivers depends on the region")
                : ("Refused", decision.Reason);
            context.AccessChecks.Add(new AccessCheck(context.CurrentRule!.Id, context.Template.Path, "Elastic Load Balancing log delivery", "s3:PutObject", $"{target.Display} ({objectArn})", answer, reason));
            if (answer != "Refused")
            {
                continue;
            }

            context.Report(loadBalancer, "Properties/LoadBalancerAttributes", loadBalancer.Property("LoadBalancerAttributes"),
                $"neither logdelivery.elasticloadbalancing.amazonaws.com nor the region's Elastic Load Balancing account may s3:PutObject on {objectArn} in bucket {bucket.Resource.LogicalId}: {decision.Reason}; creating the load balancer fails (Access Denied for bucket). Fix: allow the ELB principal s3:PutObject on the log prefix in the bucket policy (CDK: loadBalancer.LogAccessLogs(bucket, prefix)).");
        }
    }

    /// <summary>Does the bucket policy admit the region's ELB account (a cross-account root principal)? Unknown when the region is not fixed.</summary>
    private static Tri ElbAccount(RuleContext context, PolicyDocument? policy, Sym objectArn)
    {
        if (policy is null)
        {
            return Tri.No;
        }

        var accounts = context.Template.Region is { } region
            ? PreflightData.ElbLogAccounts.TryGetValue(region, out var account) ? [account] : []
            : PreflightData.ElbLogAccounts.Values.ToArray();
        var result = Tri.No;
        foreach (var id in accounts)
        {
            var caller = Caller.Role(Sym.Lit($"arn:aws:iam::{id}:root"), $"Elastic Load Balancing account {id}");
            // ELB's own account policies allow its delivery: only the bucket policy decides.
            var decision = PolicyEvaluator.Evaluate(FlowCheck.Request(caller, "s3:PutObject", objectArn, FlowCheck.OnBehalfOf(context, null)), new PolicySet([], null, policy));
            result = result.Or(decision.Answer switch
            {
                Answer.Allowed => context.Template.Region is null ? Tri.Unknown : Tri.Yes,
                Answer.Unknown => Tri.Unknown,
                _ => Tri.No,
            });
        }

        return result;
    }
}
