using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Cost;

internal sealed class NatGatewayOutsideProduction : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.NatGatewayOutsideProduction, Severity.Info,
        "NAT gateway outside production (monthly cost)",
        "Each NAT gateway costs an hourly charge (plus data processing) whether used or not. Non-production stacks with one per AZ pay for high availability they do not need (prices in Data/prices.json, dated).",
        "Use one NAT gateway outside production (CDK: `NatGateways = 1`), or public subnets / VPC endpoints for what the tasks reach.",
        "004",
        """
        Resources:
          Nat:
            Type: AWS::EC2::NatGateway
            Properties:
              SubnetId: subnet-1
              AllocationId: eipalloc-1
        """,
        """
        Resources:
          Vpc:
            Type: AWS::EC2::VPC
            Properties:
              CidrBlock: 10.0.0.0/16
        """);

    public override void Check(RuleContext context)
    {
        if (!context.Environment.IsKnownNonProduction)
        {
            return;
        }

        var prices = PreflightData.Prices;
        var gateways = context.Template.OfType("AWS::EC2::NatGateway").ToList();
        var each = prices.NatGatewayPerHour * prices.HoursPerMonth;
        foreach (var gateway in gateways)
        {
            context.Report(gateway, null, gateway.Body,
                $"NAT gateway {gateway.LogicalId} in non-production environment '{context.Environment.Name}' costs about ${each:F2}/month plus data (us-east-1 prices of {prices.Retrieved}); this stack has {gateways.Count} (≈ ${each * gateways.Count:F2}/month). Consider one NAT gateway outside production.");
        }
    }
}
