using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Cost;

internal sealed class InterfaceEndpointOutsideProduction : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.InterfaceEndpointOutsideProduction, Severity.Info,
        "Interface VPC endpoint outside production (monthly cost)",
        "Each interface VPC endpoint costs an hourly charge per AZ it is placed in (seed 004: $7.20/month per endpoint, $21.60–43.20 for 3–6 endpoints). Gateway endpoints (S3, DynamoDB) are free. Outside production a NAT gateway usually suffices.",
        "Remove interface endpoints from non-production environments unless a requirement (no internet path) needs them; keep the free gateway endpoints.",
        "004",
        """
        Resources:
          EcrEndpoint:
            Type: AWS::EC2::VPCEndpoint
            Properties:
              VpcId: vpc-1
              ServiceName: com.amazonaws.eu-west-1.ecr.api
              VpcEndpointType: Interface
              SubnetIds: [ subnet-1, subnet-2 ]
        """,
        """
        Resources:
          S3Endpoint:
            Type: AWS::EC2::VPCEndpoint
            Properties:
              VpcId: vpc-1
              ServiceName: com.amazonaws.eu-west-1.s3
              VpcEndpointType: Gateway
        """);

    public override void Check(RuleContext context)
    {
        if (!context.Environment.IsKnownNonProduction)
        {
            return;
        }

        var prices = PreflightData.Prices;
        foreach (var endpoint in context.Template.OfType("AWS::EC2::VPCEndpoint"))
        {
            if (context.Resolve.String(endpoint.Property("VpcEndpointType")) != "Interface")
            {
                continue;
            }

            var zones = Math.Max(1, Resolver.Items(endpoint.Property("SubnetIds")).Count);
            var monthly = prices.InterfaceEndpointPerAzHour * prices.HoursPerMonth * zones;
            var service = context.Resolve.String(endpoint.Property("ServiceName")) ?? "a service";
            context.Report(endpoint, "Properties/VpcEndpointType", endpoint.Property("VpcEndpointType"),
                $"interface endpoint {endpoint.LogicalId} for {service} in non-production environment '{context.Environment.Name}' costs about ${monthly:F2}/month in {zones} AZ(s) plus data (us-east-1 prices of {prices.Retrieved}). Remove it outside production unless required.");
        }
    }
}
