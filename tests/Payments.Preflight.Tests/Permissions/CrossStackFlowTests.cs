namespace Payments.Preflight.Tests.Permissions;

/// <summary>
/// The permission model over a cloud assembly: two stacks whose links exist only across them — an alarm that publishes
/// to a topic it imports (Fn::ImportValue of the other stack's Export), and a pipeline that releases into a repository
/// the other stack creates, named by its physical name — are answered as one run, with the assembly's account and region.
/// </summary>
public sealed class CrossStackFlowTests : IDisposable
{
    private const string Monitoring = """
        {
          "Resources": {
            "Alerts": { "Type": "AWS::SNS::Topic" },
            "AlertsPolicy": {
              "Type": "AWS::SNS::TopicPolicy",
              "Properties": {
                "Topics": [ { "Ref": "Alerts" } ],
                "PolicyDocument": { "Statement": [
                  { "Effect": "Allow", "Principal": { "Service": "cloudwatch.amazonaws.com" }, "Action": "sns:Publish", "Resource": { "Ref": "Alerts" },
                    "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } } } ] }
              }
            },
            "Repository": { "Type": "AWS::ECR::Repository", "Properties": { "RepositoryName": "payments-dev/api", "EmptyOnDelete": true } }
          },
          "Outputs": {
            "AlertsArn": { "Value": { "Ref": "Alerts" }, "Export": { "Name": "payments-dev-shared:AlertsArn" } }
          }
        }
        """;

    private const string Service = """
        {
          "Resources": {
            "ApiErrors": {
              "Type": "AWS::CloudWatch::Alarm",
              "Properties": {
                "Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count", "Statistic": "Sum", "Period": 60,
                "EvaluationPeriods": 1, "Threshold": 10, "ComparisonOperator": "GreaterThanThreshold",
                "AlarmActions": [ { "Fn::ImportValue": "payments-dev-shared:AlertsArn" } ]
              }
            },
            "ExecutionRole": {
              "Type": "AWS::IAM::Role",
              "Properties": {
                "AssumeRolePolicyDocument": { "Statement": [ { "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" } ] },
                "Policies": [ { "PolicyName": "pull", "PolicyDocument": { "Statement": [
                  { "Effect": "Allow", "Action": [ "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" ], "Resource": "arn:aws:ecr:eu-west-1:111111111111:repository/payments-dev/worker" },
                  { "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*" } ] } } ]
              }
            },
            "Task": {
              "Type": "AWS::ECS::TaskDefinition",
              "Properties": {
                "RequiresCompatibilities": [ "FARGATE" ], "Cpu": "256", "Memory": "512", "NetworkMode": "awsvpc",
                "ExecutionRoleArn": { "Fn::GetAtt": [ "ExecutionRole", "Arn" ] },
                "ContainerDefinitions": [ { "Name": "api", "Image": "public.ecr.aws/docker/library/nginx:1.27" } ]
              }
            },
            "Api": {
              "Type": "AWS::ECS::Service",
              "Properties": { "ServiceName": "payments-dev-api", "Cluster": "payments-dev", "TaskDefinition": { "Ref": "Task" }, "DesiredCount": 1, "LaunchType": "FARGATE" }
            },
            "Pipeline": {
              "Type": "AWS::CodePipeline::Pipeline",
              "Metadata": { "preflight": { "release": [ { "repository": "payments-dev/api", "services": [ "payments-dev-api" ] } ] } },
              "Properties": {
                "RoleArn": "arn:aws:iam::111111111111:role/payments-pipeline",
                "ArtifactStore": { "Type": "S3", "Location": "payments-dev-artifacts" },
                "Stages": [
                  { "Name": "Source", "Actions": [ { "Name": "Source", "ActionTypeId": { "Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1" },
                    "Configuration": { "S3Bucket": "payments-dev-artifacts", "S3ObjectKey": "source.zip" }, "OutputArtifacts": [ { "Name": "source" } ] } ] },
                  { "Name": "Deploy", "Actions": [ { "Name": "Deploy", "ActionTypeId": { "Category": "Deploy", "Owner": "AWS", "Provider": "ECS", "Version": "1" },
                    "Configuration": { "ClusterName": "payments-dev", "ServiceName": "payments-dev-api" }, "InputArtifacts": [ { "Name": "source" } ] } ] }
                ]
              }
            }
          }
        }
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("preflight-cross-stack-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Links_across_the_stacks_of_an_assembly_are_answered_allowed_and_refused()
    {
        Write("cdk.out/manifest.json", """
            {"version": "38.0.0", "artifacts": {
              "Shared": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
                         "properties": {"templateFile": "Shared.template.json", "stackName": "payments-dev-shared"}},
              "Service": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
                          "properties": {"templateFile": "Service.template.json", "stackName": "payments-dev-service"}}}}
            """);
        Write("cdk.out/Shared.template.json", Monitoring);
        Write("cdk.out/Service.template.json", Service);

        var report = PreflightEngine.Check([Path.Combine(directory, "cdk.out")], new PreflightOptions { Today = TestTemplates.Today, Include = ["PF21", "PF220"] });

        Assert.Equal(2, report.Templates);
        // the import resolves to the other stack's topic, whose policy admits CloudWatch
        var publish = Assert.Single(report.AccessChecks, c => c.RuleId == "PF211");
        Assert.Equal(("cloudwatch.amazonaws.com", "sns:Publish", "Allowed"), (publish.Caller, publish.Action, publish.Answer));
        Assert.Contains("arn:aws:sns:eu-west-1:111111111111:", publish.Resource, StringComparison.Ordinal);
        Assert.Contains("AWS::SNS::Topic Alerts", publish.Resource, StringComparison.Ordinal);

        // the physical name payments-dev/api finds the other stack's repository; the service's role cannot pull it
        var pull = Assert.Single(report.AccessChecks, c => c.RuleId == "PF220" && c.Action == "ecr:BatchGetImage");
        Assert.Equal(("role ExecutionRole", "Refused"), (pull.Caller, pull.Answer));
        Assert.Contains("arn:aws:ecr:eu-west-1:111111111111:repository/payments-dev/api", pull.Resource, StringComparison.Ordinal);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(("PF220", "Pipeline", "Service.template.json"), (finding.RuleId, finding.Resource, Path.GetFileName(finding.Template)));
        Assert.Contains("into Repository", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_other_stack_the_same_links_are_unknown_not_refused()
    {
        var service = Write("Service.template.json", Service);

        var report = PreflightEngine.Check([service], new PreflightOptions { Today = TestTemplates.Today, Include = ["PF21", "PF220"] });

        Assert.Empty(report.Findings);
        Assert.DoesNotContain(report.AccessChecks, c => c.Answer == "Refused");
        var link = Assert.Single(report.AccessChecks, c => c.RuleId == "PF220");
        Assert.Equal(("release link", "Unknown"), (link.Caller, link.Answer));
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
