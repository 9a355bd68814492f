using Amazon.CDK.Assertions;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class NetworkTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_environment_spans_three_availability_zones_in_every_subnet_tier(string env)
    {
        var subnets = app.Platform[env].FindResources("AWS::EC2::Subnet");
        var zones = subnets.Values
            .Select(subnet => (string)((IDictionary<string, object>)((IDictionary<string, object>)subnet)["Properties"])["AvailabilityZone"])
            .Distinct()
            .Order()
            .ToList();
        Assert.Equal(["eu-west-1a", "eu-west-1b", "eu-west-1c"], zones);
        Assert.Equal(9, subnets.Count);
    }

    [Theory]
    [InlineData("dev", 1)]
    [InlineData("staging", 2)]
    [InlineData("prod", 3)]
    public void Nat_gateways_follow_the_table(string env, int expected) =>
        app.Platform[env].ResourceCountIs("AWS::EC2::NatGateway", expected);
}
