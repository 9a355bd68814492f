using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Network;

internal sealed class HttpsListenerCertificate : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.HttpsListenerCertificate, Severity.Error,
        "HTTPS/TLS listener without a certificate",
        "An HTTPS (ALB) or TLS (NLB) listener needs a server certificate. Without `Certificates` the listener fails to create: \"A certificate must be specified for HTTPS listeners\".",
        "Add `Certificates: [{ CertificateArn: … }]` (an issued ACM certificate in the same region), or use HTTP.",
        "003",
        """
        Resources:
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb/1
              Port: 443
              Protocol: HTTPS
              DefaultActions:
                - Type: fixed-response
                  FixedResponseConfig: { StatusCode: "404" }
        """,
        """
        Parameters:
          CertificateArn:
            Type: String
        Resources:
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb/1
              Port: 443
              Protocol: HTTPS
              Certificates:
                - CertificateArn: !Ref CertificateArn
              DefaultActions:
                - Type: fixed-response
                  FixedResponseConfig: { StatusCode: "404" }
        """);

    public override void Check(RuleContext context)
    {
        foreach (var listener in context.Template.OfType("AWS::ElasticLoadBalancingV2::Listener"))
        {
            var protocol = context.Resolve.String(listener.Property("Protocol"));
            if (protocol is "HTTPS" or "TLS" && (listener.Property("Certificates") is null || listener.Property("Certificates") is SequenceNode { Items.Count: 0 }))
            {
                context.Report(listener, "Properties/Protocol", listener.Property("Protocol"),
                    $"{protocol} listener {listener.LogicalId} has no certificate; it fails to create. Add Certificates with an issued ACM certificate.");
            }
        }
    }
}
