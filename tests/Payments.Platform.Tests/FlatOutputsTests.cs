using System.Text.Json.Nodes;
using Payments.Platform.Outputs;

namespace Payments.Platform.Tests;

public sealed class FlatOutputsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flat-outputs-").FullName;

    private const string DescribeStacks = """
        {"Stacks":[
          {"StackName":"payments-dev-platform","Outputs":[{"OutputKey":"AlbDnsName","OutputValue":"payments-dev-alb-1.eu-west-1.elb.amazonaws.com"},{"OutputKey":"VpcId","OutputValue":"vpc-0abc"}]},
          {"StackName":"payments-dev-delivery","Outputs":[{"OutputKey":"DeploymentGroupName","OutputValue":"payments-dev-api"}]},
          {"StackName":"payments-staging-platform","Outputs":[{"OutputKey":"VpcId","OutputValue":"vpc-0def"}]},
          {"StackName":"CDKToolkit","Outputs":[{"OutputKey":"BucketName","OutputValue":"cdk-assets"}]}
        ]}
        """;

    [Fact]
    public void Describe_stacks_output_of_one_environment_is_merged_flat()
    {
        var flat = FlatOutputs.Flatten(DescribeStacks, "dev");
        Assert.Equal(["AlbDnsName", "DeploymentGroupName", "VpcId"], flat.Keys);
        Assert.Equal("vpc-0abc", flat["VpcId"]);
    }

    [Fact]
    public void A_cdk_outputs_file_is_accepted_too()
    {
        var flat = FlatOutputs.Flatten("""{"payments-prod-platform":{"VpcId":"vpc-1"},"payments-dev-platform":{"VpcId":"vpc-2"}}""", "prod");
        Assert.Equal("vpc-1", Assert.Single(flat).Value);
    }

    [Fact]
    public void An_environment_that_is_not_deployed_is_a_clear_error() =>
        Assert.Contains("payments-prod-*", Assert.Throws<InvalidOperationException>(() => FlatOutputs.Flatten(DescribeStacks, "prod")).Message, StringComparison.Ordinal);

    [Fact]
    public void Conflicting_values_for_one_key_are_an_error() =>
        Assert.Contains("VpcId", Assert.Throws<InvalidOperationException>(() =>
            FlatOutputs.Flatten("""{"payments-dev-a":{"VpcId":"vpc-1"},"payments-dev-b":{"VpcId":"vpc-2"}}""", "dev")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void Malformed_input_is_a_format_error(string input) =>
        Assert.Throws<FormatException>(() => FlatOutputs.Flatten(input, "dev"));

    [Fact]
    public void The_command_writes_the_file_and_creates_its_folder()
    {
        var input = Path.Combine(_directory, "stacks.json");
        File.WriteAllText(input, DescribeStacks);
        var output = Path.Combine(_directory, "cfn-outputs", "flat-outputs.json");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, FlatOutputs.Run(["dev", input, output], TextReader.Null, stdout, stderr));
        var written = JsonNode.Parse(File.ReadAllText(output))!.AsObject();
        Assert.Equal("payments-dev-alb-1.eu-west-1.elb.amazonaws.com", written["AlbDnsName"]!.GetValue<string>());
        Assert.Contains("3 outputs", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_reads_stdin_and_reports_errors_with_exit_codes()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(2, FlatOutputs.Run(["dev"], TextReader.Null, stdout, stderr));
        Assert.Equal(1, FlatOutputs.Run(["qa", "-", Path.Combine(_directory, "x.json")], new StringReader(DescribeStacks), stdout, stderr));
        Assert.Contains("payments-qa-*", stderr.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
