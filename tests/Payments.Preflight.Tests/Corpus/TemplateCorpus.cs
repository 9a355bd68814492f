using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Preflight.Tests.Corpus;

/// <summary>
/// Generates varied, realistic CloudFormation templates (seeded, so runs are reproducible): networks, ECS services
/// with CodeDeploy, databases, functions, buckets, pipelines — each with right and wrong values — written as JSON
/// or as YAML with short-form tags. Sizes range from a handful of resources to several hundred.
/// </summary>
internal sealed class TemplateCorpus
{
    private static readonly string[] Environments = ["dev", "staging", "prod", "pr42", "test", "sandbox", "unknown"];
    private static readonly string[] Runtimes = ["nodejs22.x", "nodejs20.x", "python3.13", "python3.9", "java21", "provided.al2023", "nodejs18.x"];
    private static readonly string[] Versions = ["17.7", "16.9", "15.4", "15.99", "16", "14.22"];
    private static readonly string[] Policies = ["service-role/AmazonECSTaskExecutionRolePolicy", "AWSCodePipelineFullAccess", "ReadOnlyAccess", "AmazonS3ReadOnlyAccess", "AWSCodePipeline_FullAccess"];
    private static readonly string[] Principals = ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ecs-task.amazonaws.com", "codebuild.amazonaws.com", "states.eu-west-1.amazonaws.com"];

    private readonly Random random;

    public TemplateCorpus(int seed) => random = new Random(seed);

    public (string Name, string Text) Next(int index, int blocks)
    {
        var environment = Environments[random.Next(Environments.Length)];
        var resources = new JsonObject();
        var parameters = new JsonObject
        {
            ["Environment"] = new JsonObject { ["Type"] = "String", ["Default"] = environment },
        };
        for (var block = 0; block < blocks; block++)
        {
            var prefix = $"B{block}";
            switch (random.Next(8))
            {
                case 0: Network(resources, prefix); break;
                case 1: Service(resources, prefix); break;
                case 2: Database(resources, prefix); break;
                case 3: Function(resources, prefix); break;
                case 4: Storage(resources, prefix, environment); break;
                case 5: Pipeline(resources, prefix); break;
                case 6: Logs(resources, prefix); break;
                default: Roles(resources, prefix); break;
            }
        }

        var template = new JsonObject
        {
            ["AWSTemplateFormatVersion"] = "2010-09-09",
            ["Description"] = $"generated corpus template {index}",
            ["Parameters"] = parameters,
            ["Resources"] = resources,
            ["Outputs"] = new JsonObject { ["Env"] = new JsonObject { ["Value"] = Ref("Environment") } },
        };
        var name = $"corpus-{index:D4}-{environment}";
        return random.Next(2) == 0
            ? (name + ".json", template.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))
            : (name + ".yaml", Yaml.Write(template));
    }

    private T Pick<T>(params T[] values) => values[random.Next(values.Length)];

    private bool Chance(int percent) => random.Next(100) < percent;

    private static JsonObject Ref(string name) => new() { ["Ref"] = name };

    private static JsonObject GetAtt(string resource, string attribute) => new() { ["Fn::GetAtt"] = new JsonArray(resource, attribute) };

    private static JsonObject Sub(string text) => new() { ["Fn::Sub"] = text };

    private static JsonObject Resource(string type, JsonObject properties, string? deletionPolicy = null)
    {
        var resource = new JsonObject { ["Type"] = type, ["Properties"] = properties };
        if (deletionPolicy is not null)
        {
            resource["DeletionPolicy"] = deletionPolicy;
        }

        return resource;
    }

    private void Network(JsonObject resources, string p)
    {
        resources[$"{p}Vpc"] = Resource("AWS::EC2::VPC", new JsonObject { ["CidrBlock"] = "10.0.0.0/16", ["EnableDnsHostnames"] = true });
        var zones = random.Next(1, 4);
        for (var z = 0; z < zones; z++)
        {
            resources[$"{p}Subnet{z}"] = Resource("AWS::EC2::Subnet", new JsonObject
            {
                ["VpcId"] = Ref($"{p}Vpc"),
                ["CidrBlock"] = $"10.0.{z}.0/24",
                ["AvailabilityZone"] = new JsonObject { ["Fn::Select"] = new JsonArray(z, new JsonObject { ["Fn::GetAZs"] = "" }) },
            });
            if (Chance(60))
            {
                resources[$"{p}Eip{z}"] = Resource("AWS::EC2::EIP", new JsonObject { ["Domain"] = "vpc" });
                resources[$"{p}Nat{z}"] = Resource("AWS::EC2::NatGateway", new JsonObject { ["SubnetId"] = Ref($"{p}Subnet{z}"), ["AllocationId"] = GetAtt($"{p}Eip{z}", "AllocationId") });
            }
        }

        if (Chance(50))
        {
            resources[$"{p}Endpoint"] = Resource("AWS::EC2::VPCEndpoint", new JsonObject
            {
                ["VpcId"] = Ref($"{p}Vpc"),
                ["ServiceName"] = Sub("com.amazonaws.${AWS::Region}.ecr.api"),
                ["VpcEndpointType"] = Chance(70) ? "Interface" : "Gateway",
                ["SubnetIds"] = new JsonArray([.. Enumerable.Range(0, zones).Select(z => (JsonNode)Ref($"{p}Subnet{z}"))]),
            });
        }

        var flow = new JsonObject { ["ResourceId"] = Ref($"{p}Vpc"), ["ResourceType"] = "VPC", ["TrafficType"] = "ALL" };
        resources[$"{p}FlowLogs"] = Resource("AWS::Logs::LogGroup", new JsonObject { ["RetentionInDays"] = Pick(7, 14, 30, 45) });
        switch (random.Next(4))
        {
            case 0:
                flow["LogDestination"] = GetAtt($"{p}FlowLogs", "Arn");
                flow["DeliverLogsPermissionArn"] = "arn:aws:iam::123456789012:role/flow";
                break;
            case 1:
                flow["LogDestinationType"] = "s3";
                flow["LogDestination"] = GetAtt($"{p}FlowLogs", "Arn");
                break;
            case 2:
                flow["LogGroupName"] = Ref($"{p}FlowLogs");
                flow["LogDestination"] = GetAtt($"{p}FlowLogs", "Arn");
                break;
            default:
                flow["LogDestinationType"] = "s3";
                flow["LogDestination"] = "arn:aws:s3:::flow-logs-archive";
                break;
        }

        resources[$"{p}Flow"] = Resource("AWS::EC2::FlowLog", flow);
    }

    private void Service(JsonObject resources, string p)
    {
        var port = Pick(80, 8080, 3000);
        var mappedPort = Chance(80) ? port : 9999;
        var codeDeploy = Chance(50);
        var (cpu, memory) = Pick(("256", "512"), ("512", "1024"), ("1024", "1536"), ("1 vCPU", "2 GB"), ("4096", "8192"), ("300", "1024"));
        resources[$"{p}TaskRole"] = Resource("AWS::IAM::Role", new JsonObject
        {
            ["AssumeRolePolicyDocument"] = new JsonObject
            {
                ["Statement"] = new JsonArray(new JsonObject
                {
                    ["Effect"] = "Allow",
                    ["Action"] = "sts:AssumeRole",
                    ["Principal"] = new JsonObject { ["Service"] = Pick(Principals) },
                }),
            },
            ["ManagedPolicyArns"] = new JsonArray(Sub($"arn:${{AWS::Partition}}:iam::aws:policy/{Pick(Policies)}")),
        });
        var container = new JsonObject
        {
            ["Name"] = "api",
            ["Image"] = Pick<JsonNode>(
                "public.ecr.aws/nginx/nginx:1.27",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.0.0",
                Sub("${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}:abc")),
            ["PortMappings"] = new JsonArray(new JsonObject { ["ContainerPort"] = mappedPort }),
            ["Environment"] = new JsonArray(new JsonObject { ["Name"] = "DB", ["Value"] = Chance(30) ? "{{resolve:secretsmanager:payments/db:SecretString:url}}" : "local" }),
        };
        if (Chance(60))
        {
            container["HealthCheck"] = new JsonObject { ["Command"] = new JsonArray("CMD-SHELL", $"curl -f http://localhost:{Pick(port, 8081)}/healthz || exit 1") };
        }

        resources[$"{p}Task"] = Resource("AWS::ECS::TaskDefinition", new JsonObject
        {
            ["RequiresCompatibilities"] = new JsonArray("FARGATE"),
            ["NetworkMode"] = "awsvpc",
            ["Cpu"] = cpu,
            ["Memory"] = memory,
            ["TaskRoleArn"] = GetAtt($"{p}TaskRole", "Arn"),
            ["ContainerDefinitions"] = new JsonArray(container),
        });
        resources[$"{p}Blue"] = Resource("AWS::ElasticLoadBalancingV2::TargetGroup", new JsonObject { ["Port"] = port, ["Protocol"] = "HTTP", ["TargetType"] = "ip", ["HealthCheckPort"] = Chance(80) ? "traffic-port" : "8443" });
        resources[$"{p}Green"] = Resource("AWS::ElasticLoadBalancingV2::TargetGroup", new JsonObject { ["Port"] = port, ["Protocol"] = "HTTP", ["TargetType"] = "ip" });
        resources[$"{p}Lb"] = Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", new JsonObject { ["Scheme"] = Chance(80) ? "internet-facing" : "internal", ["Subnets"] = new JsonArray("subnet-a", "subnet-b") });
        var https = Chance(50);
        var prod = new JsonObject
        {
            ["LoadBalancerArn"] = Ref($"{p}Lb"),
            ["Port"] = https ? 443 : 80,
            ["Protocol"] = https ? "HTTPS" : "HTTP",
            ["DefaultActions"] = new JsonArray(new JsonObject { ["Type"] = "forward", ["TargetGroupArn"] = Ref($"{p}Blue") }),
        };
        if (https && Chance(70))
        {
            prod["Certificates"] = new JsonArray(new JsonObject { ["CertificateArn"] = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" });
        }

        resources[$"{p}Prod"] = Resource("AWS::ElasticLoadBalancingV2::Listener", prod);
        var withTest = Chance(60);
        if (withTest)
        {
            resources[$"{p}Test"] = Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
            {
                ["LoadBalancerArn"] = Ref($"{p}Lb"),
                ["Port"] = 9000,
                ["Protocol"] = "HTTP",
                ["DefaultActions"] = new JsonArray(new JsonObject { ["Type"] = "forward", ["TargetGroupArn"] = Ref($"{p}Green") }),
            });
        }

        var service = new JsonObject
        {
            ["TaskDefinition"] = Ref($"{p}Task"),
            ["DesiredCount"] = 2,
            ["LaunchType"] = "FARGATE",
        };
        if (Chance(70))
        {
            service["LoadBalancers"] = new JsonArray(new JsonObject { ["ContainerName"] = Chance(90) ? "api" : "web", ["ContainerPort"] = port, ["TargetGroupArn"] = Ref($"{p}Blue") });
        }

        if (Chance(60))
        {
            service["HealthCheckGracePeriodSeconds"] = 60;
        }

        if (codeDeploy)
        {
            service["DeploymentController"] = new JsonObject { ["Type"] = Chance(80) ? "CODE_DEPLOY" : "ECS" };
        }

        if (Chance(40))
        {
            service["DeploymentConfiguration"] = new JsonObject
            {
                ["MinimumHealthyPercent"] = 50,
                ["MaximumPercent"] = 200,
                ["DeploymentCircuitBreaker"] = new JsonObject { ["Enable"] = true, ["Rollback"] = true },
            };
        }

        resources[$"{p}Service"] = Resource("AWS::ECS::Service", service);
        if (codeDeploy)
        {
            var pair = new JsonObject
            {
                ["TargetGroups"] = new JsonArray(new JsonObject { ["Name"] = GetAtt($"{p}Blue", "TargetGroupName") }, new JsonObject { ["Name"] = GetAtt($"{p}Green", "TargetGroupName") }),
                ["ProdTrafficRoute"] = new JsonObject { ["ListenerArns"] = new JsonArray(Ref($"{p}Prod")) },
            };
            if (withTest)
            {
                pair["TestTrafficRoute"] = new JsonObject { ["ListenerArns"] = new JsonArray(Ref($"{p}Test")) };
            }

            resources[$"{p}Group"] = Resource("AWS::CodeDeploy::DeploymentGroup", new JsonObject
            {
                ["ApplicationName"] = "payments",
                ["ServiceRoleArn"] = "arn:aws:iam::123456789012:role/codedeploy",
                ["ECSServices"] = new JsonArray(new JsonObject { ["ClusterName"] = "payments", ["ServiceName"] = GetAtt($"{p}Service", "Name") }),
                ["LoadBalancerInfo"] = new JsonObject { ["TargetGroupPairInfoList"] = new JsonArray(pair) },
            });
        }
    }

    private void Database(JsonObject resources, string p)
    {
        resources[$"{p}Params"] = Resource("AWS::RDS::DBParameterGroup", new JsonObject
        {
            ["Family"] = "postgres16",
            ["Description"] = "payments",
            ["Parameters"] = new JsonObject
            {
                ["log_statement"] = Pick("ddl", "all", "mod"),
                ["max_connections"] = Pick("LEAST({DBInstanceClassMemory/9531392},5000)", "200", "3"),
                ["work_mem"] = Pick("4096", "16", "65536"),
            },
        });
        var instance = new JsonObject
        {
            ["Engine"] = "postgres",
            ["EngineVersion"] = Pick(Versions),
            ["DBInstanceClass"] = "db.t4g.micro",
            ["AllocatedStorage"] = "20",
            ["DBParameterGroupName"] = Ref($"{p}Params"),
            ["DeletionProtection"] = Chance(40),
        };
        if (Chance(40))
        {
            instance["DBInstanceIdentifier"] = Chance(50) ? "payments-db" : Sub("payments-${Environment}-db");
        }

        resources[$"{p}Db"] = Resource("AWS::RDS::DBInstance", instance, Pick("Snapshot", "Retain", "Delete"));
        if (Chance(40))
        {
            resources[$"{p}Cluster"] = Resource("AWS::RDS::DBCluster", new JsonObject { ["Engine"] = "aurora-postgresql", ["EngineVersion"] = Pick("16.6", "15.4", "13.99") }, "Snapshot");
        }
    }

    private void Function(JsonObject resources, string p)
    {
        var runtime = Pick(Runtimes);
        var python = runtime.StartsWith("python", StringComparison.Ordinal);
        var handlerName = Pick("handler", "main", "lambda_handler");
        var code = python
            ? $"import json\n\ndef {Pick("handler", "main")}(event, context):\n    return {{'statusCode': 200, 'body': json.dumps(event)}}\n"
            : $"exports.{Pick("handler", "main")} = async (event) => ({{ statusCode: 200 }});\n";
        resources[$"{p}Role"] = Resource("AWS::IAM::Role", new JsonObject
        {
            ["AssumeRolePolicyDocument"] = new JsonObject
            {
                ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Action"] = "sts:AssumeRole", ["Principal"] = new JsonObject { ["Service"] = Chance(85) ? "lambda.amazonaws.com" : "lambda.amazon.com" } }),
            },
        });
        resources[$"{p}Function"] = Resource("AWS::Lambda::Function", new JsonObject
        {
            ["Runtime"] = runtime,
            ["Handler"] = Chance(80) ? $"index.{handlerName}" : $"app.{handlerName}",
            ["Role"] = GetAtt($"{p}Role", "Arn"),
            ["Timeout"] = 30,
            ["Code"] = Chance(70) ? new JsonObject { ["ZipFile"] = code } : new JsonObject { ["S3Bucket"] = "artifacts", ["S3Key"] = "fn.zip" },
        });
    }

    private void Storage(JsonObject resources, string p, string environment)
    {
        var bucket = new JsonObject();
        if (Chance(50))
        {
            bucket["VersioningConfiguration"] = new JsonObject { ["Status"] = "Enabled" };
        }

        if (Chance(50))
        {
            var rule = new JsonObject { ["Id"] = "rule", ["Status"] = "Enabled" };
            if (Chance(60))
            {
                rule["Prefix"] = "tmp/";
            }

            if (Chance(70))
            {
                rule["ExpirationInDays"] = 30;
            }

            bucket["LifecycleConfiguration"] = new JsonObject { ["Rules"] = new JsonArray(rule) };
        }

        if (Chance(40))
        {
            bucket["BucketName"] = Chance(50) ? $"payments-{environment}-artifacts-{random.Next(1000)}" : "payments-artifacts";
        }

        resources[$"{p}Bucket"] = Resource("AWS::S3::Bucket", bucket, Pick("Retain", "Delete", "RetainExceptOnCreate"));
        if (Chance(30))
        {
            resources[$"{p}AutoDelete"] = Resource("Custom::S3AutoDeleteObjects", new JsonObject { ["ServiceToken"] = "arn:aws:lambda:eu-west-1:123456789012:function:x", ["BucketName"] = Ref($"{p}Bucket") });
        }

        var repository = new JsonObject();
        if (Chance(50))
        {
            repository["EmptyOnDelete"] = true;
        }

        if (Chance(40))
        {
            repository["RepositoryName"] = Chance(50) ? "payments/api" : Sub("payments/${Environment}/api");
        }

        resources[$"{p}Repo"] = Resource("AWS::ECR::Repository", repository, Pick("Retain", "Delete"));
    }

    private void Pipeline(JsonObject resources, string p)
    {
        var source = random.Next(3) switch
        {
            0 => new JsonObject { ["Category"] = "Source", ["Owner"] = "ThirdParty", ["Provider"] = "GitHub", ["Version"] = "1" },
            1 => new JsonObject { ["Category"] = "Source", ["Owner"] = "AWS", ["Provider"] = "CodeCommit", ["Version"] = "1" },
            _ => new JsonObject { ["Category"] = "Source", ["Owner"] = "AWS", ["Provider"] = "S3", ["Version"] = "1" },
        };
        resources[$"{p}Pipeline"] = Resource("AWS::CodePipeline::Pipeline", new JsonObject
        {
            ["RoleArn"] = "arn:aws:iam::123456789012:role/pipeline",
            ["ArtifactStore"] = new JsonObject { ["Type"] = "S3", ["Location"] = "artifacts" },
            ["Stages"] = new JsonArray(
                new JsonObject { ["Name"] = "Source", ["Actions"] = new JsonArray(new JsonObject { ["Name"] = "Source", ["ActionTypeId"] = source, ["OutputArtifacts"] = new JsonArray(new JsonObject { ["Name"] = "Src" }) }) },
                new JsonObject { ["Name"] = "Build", ["Actions"] = new JsonArray(new JsonObject { ["Name"] = "Build", ["ActionTypeId"] = new JsonObject { ["Category"] = "Build", ["Owner"] = "AWS", ["Provider"] = "CodeBuild", ["Version"] = "1" }, ["InputArtifacts"] = new JsonArray(new JsonObject { ["Name"] = "Src" }) }) }),
        });
        if (Chance(30))
        {
            resources[$"{p}Repo"] = Resource("AWS::CodeCommit::Repository", new JsonObject { ["RepositoryName"] = "payments" });
        }
    }

    private void Logs(JsonObject resources, string p)
    {
        var keyStatements = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["AWS"] = Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") }, ["Action"] = "kms:*", ["Resource"] = "*" });
        if (Chance(50))
        {
            keyStatements.Add(new JsonObject { ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["Service"] = Sub("logs.${AWS::Region}.amazonaws.com") }, ["Action"] = "kms:*", ["Resource"] = "*" });
        }

        resources[$"{p}Key"] = Resource("AWS::KMS::Key", new JsonObject { ["KeyPolicy"] = new JsonObject { ["Statement"] = keyStatements } });
        for (var i = 0; i < random.Next(1, 6); i++)
        {
            var group = new JsonObject { ["RetentionInDays"] = Pick(1, 7, 30, 45, 365, 1000) };
            if (Chance(50))
            {
                group["KmsKeyId"] = GetAtt($"{p}Key", "Arn");
            }

            if (Chance(30))
            {
                group["LogGroupName"] = Chance(50) ? $"/payments/service-{i}" : Sub($"/payments/${{Environment}}/service-{i}");
            }

            resources[$"{p}Logs{i}"] = Resource("AWS::Logs::LogGroup", group, Chance(30) ? "Retain" : null);
        }
    }

    private void Roles(JsonObject resources, string p)
    {
        for (var i = 0; i < random.Next(1, 4); i++)
        {
            resources[$"{p}Role{i}"] = Resource("AWS::IAM::Role", new JsonObject
            {
                ["AssumeRolePolicyDocument"] = new JsonObject
                {
                    ["Version"] = "2012-10-17",
                    ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Action"] = "sts:AssumeRole", ["Principal"] = new JsonObject { ["Service"] = new JsonArray(Pick(Principals), Pick(Principals)) } }),
                },
                ["ManagedPolicyArns"] = new JsonArray(Sub($"arn:${{AWS::Partition}}:iam::aws:policy/{Pick(Policies)}"), "arn:aws:iam::123456789012:policy/custom"),
                ["Policies"] = new JsonArray(new JsonObject
                {
                    ["PolicyName"] = "inline",
                    ["PolicyDocument"] = new JsonObject { ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Action"] = new JsonArray("s3:GetObject", "s3:PutObject"), ["Resource"] = "*" }) },
                }),
            });
        }
    }

    /// <summary>Writes a JSON tree as YAML, turning Ref/Fn::GetAtt/Fn::Sub/Fn::Select into short-form tags.</summary>
    private static class Yaml
    {
        public static string Write(JsonNode node)
        {
            var builder = new StringBuilder();
            WriteMapping((JsonObject)node, builder, 0);
            return builder.ToString();
        }

        private static void WriteMapping(JsonObject map, StringBuilder builder, int indent)
        {
            foreach (var (key, value) in map)
            {
                builder.Append(' ', indent).Append(key).Append(':');
                WriteValue(value, builder, indent);
            }
        }

        private static void WriteValue(JsonNode? value, StringBuilder builder, int indent)
        {
            switch (value)
            {
                case JsonObject obj when Tag(obj) is { } tagged:
                    builder.Append(' ').AppendLine(tagged);
                    break;
                case JsonObject obj when obj.Count == 0:
                    builder.AppendLine(" {}");
                    break;
                case JsonObject obj:
                    builder.AppendLine();
                    WriteMapping(obj, builder, indent + 2);
                    break;
                case JsonArray array when array.Count == 0:
                    builder.AppendLine(" []");
                    break;
                case JsonArray array:
                    builder.AppendLine();
                    foreach (var item in array)
                    {
                        builder.Append(' ', indent + 2).Append('-');
                        if (item is JsonObject itemObject && Tag(itemObject) is null && itemObject.Count > 0)
                        {
                            builder.AppendLine();
                            WriteMapping(itemObject, builder, indent + 4);
                        }
                        else
                        {
                            WriteValue(item, builder, indent + 2);
                        }
                    }

                    break;
                default:
                    builder.Append(' ').AppendLine(Scalar(value));
                    break;
            }
        }

        private static string? Tag(JsonObject obj)
        {
            if (obj.Count != 1)
            {
                return null;
            }

            var (key, value) = obj.First();
            return key switch
            {
                "Ref" => $"!Ref {value!.GetValue<string>()}",
                "Fn::Sub" when value is JsonValue => $"!Sub {Scalar(value)}",
                "Fn::GetAtt" when value is JsonArray parts => $"!GetAtt {parts[0]!.GetValue<string>()}.{parts[1]!.GetValue<string>()}",
                "Fn::GetAZs" => "!GetAZs ''",
                "Fn::Select" when value is JsonArray parts => $"!Select [ {parts[0]!.ToJsonString()}, {(parts[1] is JsonObject inner && Tag(inner) is { } t ? t : parts[1]!.ToJsonString())} ]",
                _ => null,
            };
        }

        private static string Scalar(JsonNode? value) => value switch
        {
            null => "null",
            JsonValue v when v.TryGetValue<string>(out var text) => JsonSerializer.Serialize(text),
            _ => value.ToJsonString(),
        };
    }
}
