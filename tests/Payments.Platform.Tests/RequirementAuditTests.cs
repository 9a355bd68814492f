using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Payments.Platform.Tests;

/// <summary>
/// Requirements of the platform issue that the per-construct test classes did not pin down yet
/// (found by the requirement audit in /tmp/audit-platform/checklist.md).
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class RequirementAuditTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    private const string CommitTag = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public void With_an_image_tag_every_environment_runs_that_tag_from_its_own_repository_and_builds_no_asset()
    {
        var (stages, _) = SynthesizedEnvironments.Synthesize(new Dictionary<string, object> { ["imageTag"] = CommitTag });
        Assert.Equal(SynthesizedEnvironments.EnvironmentNames, stages.Select(s => s.Config.Name));
        foreach (var stage in stages)
        {
            var env = stage.Config.Name;
            var template = SynthesizedEnvironments.ToJson(Template.FromStack(stage.Platform));
            var repositoryId = SynthesizedEnvironments.ResourcesOf(template, "AWS::ECR::Repository").Single().Id;
            var containers = SynthesizedEnvironments.ResourcesOf(template, "AWS::ECS::TaskDefinition")
                .Where(t => t.Resource.Props()["Family"].Str() is var family && (family == $"payments-{env}-api" || family == $"payments-{env}-worker"))
                .Select(t => t.Resource.Props()["ContainerDefinitions"]![0]!)
                .ToList();
            Assert.Equal(2, containers.Count);
            foreach (var container in containers)
            {
                var image = container["Image"].Text();
                Assert.Contains(repositoryId, image, StringComparison.Ordinal);
                Assert.EndsWith($":{CommitTag}\"]]}}", image, StringComparison.Ordinal);
                Assert.DoesNotContain("payments-api-bootstrap-v1", image, StringComparison.Ordinal);
                Assert.DoesNotContain("cdk-hnb659fds-container-assets", image, StringComparison.Ordinal);
            }

            // The execution roles may pull from the environment's repository (and only read it).
            var pullers = SynthesizedEnvironments.ResourcesOf(template, "AWS::IAM::Policy")
                .Select(p => p.Resource.Props())
                .Where(p => p["PolicyDocument"]!["Statement"].Items().Any(s =>
                    s["Action"].Text().Contains("ecr:BatchGetImage", StringComparison.Ordinal)
                    && s["Resource"].Text().Contains(repositoryId, StringComparison.Ordinal)))
                .ToList();
            Assert.Contains(pullers, p => p["Roles"].Text().Contains("ApiExecutionRole", StringComparison.Ordinal));
            Assert.Contains(pullers, p => p["Roles"].Text().Contains("WorkerExecutionRole", StringComparison.Ordinal));
            Assert.DoesNotContain(pullers.SelectMany(p => p["PolicyDocument"]!["Statement"].Items()),
                s => s["Action"].Text().Contains("ecr:PutImage", StringComparison.Ordinal));

            var assembly = stage.Stage.Synth();
            var assets = JsonNode.Parse(File.ReadAllText(Path.Combine(assembly.Directory, $"{stage.Platform.ArtifactId}.assets.json")))!;
            Assert.Empty(assets["dockerImages"]?.AsObject() ?? []);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_keep_last_ten_tagged_rule_selects_every_tag_as_ecr_requires(string env)
    {
        // ECR rejects a tagStatus=tagged rule without tagPrefixList/tagPatternList at deploy time.
        var policy = app.One(env, "AWS::ECR::Repository").Props()["LifecyclePolicy"]!["LifecyclePolicyText"].Str();
        var tagged = JsonNode.Parse(policy)!["rules"].Items().Single(r => r["selection"]!["tagStatus"].Str() == "tagged" && r["selection"]!["tagPatternList"] is not null);
        Assert.Equal(["*"], tagged["selection"]!["tagPatternList"].Items().Select(t => t.Str()));
        Assert.Equal("expire", tagged["action"]!["type"].Str());
        var untagged = JsonNode.Parse(policy)!["rules"].Items().Single(r => r["selection"]!["tagStatus"].Str() == "untagged");
        Assert.Equal("days", untagged["selection"]!["countUnit"].Str());
        // Untagged must be evaluated first: a tagged rule with a wildcard would otherwise also count them.
        Assert.True(untagged["rulePriority"].Number() < tagged["rulePriority"].Number());
    }

    private string IdOf(string env, string type, Func<JsonObject, bool>? where = null) =>
        app.Resources(env, type).Single(r => where is null || where(r.Resource)).Id;

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_deployment_group_rolls_back_on_5xx_p99_and_unhealthy_hosts_of_either_target_group(string env)
    {
        // The live group alternates with every swap, so "green" is whichever group CodeDeploy fills next:
        // the group must watch the three signals on both groups, and nothing else.
        var group = app.One(env, "AWS::CodeDeploy::DeploymentGroup").Props();
        var alarmIds = group["AlarmConfiguration"]!["Alarms"].Items().Select(a => a["Name"]!["Ref"].Str()).ToHashSet();
        var alarmsByName = app.Resources(env, "AWS::CloudWatch::Alarm").ToDictionary(a => a.Resource.Props()["AlarmName"].Str(), a => a.Id);
        var expected = new[] { "blue", "green" }
            .SelectMany(colour => new[] { $"api-{colour}-5xx", $"api-{colour}-p99-latency", $"api-{colour}-unhealthy-hosts" })
            .Select(name => alarmsByName[$"payments-{env}-{name}"])
            .ToHashSet();
        Assert.Equal(expected.Order(), alarmIds.Order());
        Assert.True(group["AlarmConfiguration"]!["Enabled"]!.GetValue<bool>());
        Assert.Equal(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
            group["AutoRollbackConfiguration"]!["Events"].Items().Select(e => e.Str()).Order());

        // Each alarm watches its own target group's metric: 5xx from the targets, p99 response time, unhealthy hosts.
        foreach (var colour in new[] { "blue", "green" })
        {
            var targetGroupId = IdOf(env, "AWS::ElasticLoadBalancingV2::TargetGroup", t => t.Props()["Name"].Str() == $"payments-{env}-{colour}");
            foreach (var (name, metric) in new[] { ("5xx", "HTTPCode_Target_5XX_Count"), ("p99-latency", "TargetResponseTime"), ("unhealthy-hosts", "UnHealthyHostCount") })
            {
                var alarm = app.One(env, "AWS::CloudWatch::Alarm", a => a.Props()["AlarmName"].Str() == $"payments-{env}-api-{colour}-{name}").Props();
                Assert.Equal(metric, alarm["MetricName"].Str());
                Assert.Contains(targetGroupId, alarm["Dimensions"].Text(), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_literal_physical_name_in_the_stack_carries_the_environment(string env)
    {
        // Generic over every resource type, so a resource added later with a fixed name is caught too
        // (seed 001/003: "already exists" when a second environment reuses a name).
        string[] notPhysical = ["DBName", "DatabaseName", "DisplayName", "MetricName", "PolicyName", "DeploymentConfigName", "ContainerName", "Family"];
        var checkedNames = 0;
        foreach (var (id, resource) in app.PlatformJson[env]["Resources"]!.AsObject().Select(r => (r.Key, r.Value!.AsObject())))
        {
            var type = resource["Type"].Str();
            if (resource["Properties"] is not JsonObject properties)
            {
                continue;
            }
            foreach (var (key, value) in properties)
            {
                var physical = (key.EndsWith("Name", StringComparison.Ordinal) && !notPhysical.Contains(key))
                    || (key == "Family" && type == "AWS::ECS::TaskDefinition");
                // A service's Cloud Map name lives inside the environment's own namespace.
                if (!physical || value is not JsonValue || type == "AWS::ServiceDiscovery::Service")
                {
                    continue;
                }
                checkedNames++;
                Assert.True(value.Str().Contains(env, StringComparison.Ordinal), $"{id} ({type}).{key} = '{value.Str()}' does not carry '{env}'");
            }
        }
        Assert.True(checkedNames >= 40, $"only {checkedNames} literal names checked");
        Assert.Contains(env, app.Stage(env).Platform.StackName, StringComparison.Ordinal);
    }

    [Fact]
    public void No_account_id_is_hard_coded_anywhere_in_what_we_synthesize()
    {
        // Without an account the stacks are account-agnostic: any 12-digit number left in a template
        // would be an account id written in code. The delivery stack is part of the same app.
        var app = new Amazon.CDK.App(new Amazon.CDK.AppProps { Context = new Dictionary<string, object>() });
        var settings = Payments.Platform.Environments.PlatformSettings.FromContext(
            key => app.Node.TryGetContext(key)?.ToString(),
            name => name == "CDK_DEFAULT_REGION" ? SynthesizedEnvironments.TestRegion : null);
        Assert.Null(settings.Account);
        PaymentsApp.Compose(app, settings);
        var assembly = app.Synth();
        var templates = assembly.Stacks.Concat(assembly.NestedAssemblies.SelectMany(n => n.NestedAssembly.Stacks)).ToList();
        Assert.Equal(4, templates.Count);
        // The only 12-digit number allowed is AWS's own ALB log-delivery account of the region (bucket policy
        // of the access logs), which CDK takes from its region table, not from our code.
        var elbLogDelivery = Amazon.CDK.RegionInfo.RegionInfo.Get(SynthesizedEnvironments.TestRegion).Elbv2Account;
        Assert.NotNull(elbLogDelivery);
        foreach (var stack in templates)
        {
            var text = File.ReadAllText(stack.TemplateFullPath);
            var accountLike = System.Text.RegularExpressions.Regex.Matches(text, @"(?<![0-9])[0-9]{12}(?![0-9])").Select(m => m.Value).Where(n => n != elbLogDelivery).Distinct().ToList();
            Assert.True(accountLike.Count == 0, $"{stack.StackName}: {string.Join(",", accountLike)}");
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Each_output_points_at_the_resource_it_names(string env)
    {
        var outputs = app.PlatformJson[env]["Outputs"]!.AsObject().ToDictionary(o => o.Key, o => o.Value!["Value"].Text());
        var lb = IdOf(env, "AWS::ElasticLoadBalancingV2::LoadBalancer");
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{lb}\",\"DNSName\"]}}", outputs["AlbDnsName"]);
        Assert.Equal($"{{\"Ref\":\"{IdOf(env, "AWS::ECS::Cluster")}\"}}", outputs["ClusterName"]);
        Assert.Contains(IdOf(env, "AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-api"), outputs["ApiServiceName"], StringComparison.Ordinal);
        Assert.Contains(IdOf(env, "AWS::ECS::Service", s => s.Props()["ServiceName"].Str() == $"payments-{env}-worker"), outputs["WorkerServiceName"], StringComparison.Ordinal);
        var database = app.Resources(env, "AWS::RDS::DBCluster").Count == 1 ? IdOf(env, "AWS::RDS::DBCluster") : IdOf(env, "AWS::RDS::DBInstance");
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{database}\",\"Endpoint.Address\"]}}", outputs["DatabaseEndpoint"]);
        var transactionLog = IdOf(env, "AWS::S3::Bucket", b => b.Props()["BucketName"].Text().Contains("transaction-log", StringComparison.Ordinal));
        Assert.Equal($"{{\"Ref\":\"{transactionLog}\"}}", outputs["TransactionLogBucketName"]);
        Assert.Equal($"{{\"Ref\":\"{IdOf(env, "AWS::EC2::VPC")}\"}}", outputs["VpcId"]);
        Assert.Contains(IdOf(env, "AWS::ECR::Repository"), outputs["EcrRepositoryUri"], StringComparison.Ordinal);
        Assert.Contains(".dkr.ecr.", outputs["EcrRepositoryUri"], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_ingress_rule_in_the_stack_is_one_the_issue_allows(string env)
    {
        // "ALB -> api port only; api/worker -> DB port only; nothing else in", over every security group of
        // the stack (also the ones no per-construct test names, e.g. the pre-traffic hook's), inline or separate.
        var groups = app.Resources(env, "AWS::EC2::SecurityGroup").ToDictionary(g => g.Id, g => g.Resource.Props()["GroupName"]?.Str() is { Length: > 0 } name ? name : g.Id);
        string GroupOf(JsonNode? reference) => groups.Single(g => reference.Text().Contains($"\"{g.Key}\"", StringComparison.Ordinal)).Value;
        string SourceOf(JsonNode rule) =>
            rule["SourceSecurityGroupId"] is { } source ? GroupOf(source)
            : rule["CidrIp"].Text() == "\"0.0.0.0/0\"" ? "internet"
            : rule["CidrIp"].Text().Contains("CidrBlock", StringComparison.Ordinal) ? "vpc"
            : rule["CidrIp"].Text().Contains("EIP", StringComparison.Ordinal) && rule["CidrIp"].Text().Contains("/32", StringComparison.Ordinal) ? "nat-eip"
            : rule.Text();
        var rules = new List<string>();
        foreach (var (id, group) in app.Resources(env, "AWS::EC2::SecurityGroup"))
        {
            rules.AddRange(group.Props()["SecurityGroupIngress"].Items().Select(r => $"{groups[id]} tcp {r["FromPort"].Number()}-{r["ToPort"].Number()} from {SourceOf(r)} ({r["IpProtocol"].Str()})"));
        }
        rules.AddRange(app.Resources(env, "AWS::EC2::SecurityGroupIngress").Select(r => r.Resource.Props())
            .Select(r => $"{GroupOf(r["GroupId"])} tcp {r["FromPort"].Number()}-{r["ToPort"].Number()} from {SourceOf(r)} ({r["IpProtocol"].Str()})"));

        var nat = app.Stage(env).Config.NatGateways;
        var expected = new List<string>
        {
            $"payments-{env}-alb tcp 80-80 from internet (tcp)",
            $"payments-{env}-alb tcp 8443-8443 from vpc (tcp)",
            $"payments-{env}-api tcp 8080-8080 from payments-{env}-alb (tcp)",
            $"payments-{env}-database tcp 5432-5432 from payments-{env}-api (tcp)",
            $"payments-{env}-database tcp 5432-5432 from payments-{env}-worker (tcp)",
            // Secrets Manager's rotation functions change the passwords in the database.
            $"payments-{env}-database tcp 5432-5432 from payments-{env}-database-rotation (tcp)",
        };
        expected.AddRange(Enumerable.Repeat($"payments-{env}-alb tcp 8443-8443 from nat-eip (tcp)", nat));
        Assert.Equal(expected.Order(), rules.Order());
    }

    [Fact]
    public void Cdk_json_package_json_and_the_cdk_library_are_pinned()
    {
        var root = Payments.Platform.Tests.Delivery.NodeScript.RepositoryRoot();
        var cdk = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "cdk.json")))!;
        Assert.Equal("dotnet run --project src/Payments.Platform -c Release", cdk["app"].Str());
        Assert.True(File.Exists(Path.Combine(root, "src/Payments.Platform/Payments.Platform.csproj")));

        // The standard CLI, pinned exactly (no range), and locked at the same version.
        var package = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "package.json")))!;
        Assert.Equal("3.0.0", package["devDependencies"]!["aws-cdk"].Str());
        var lockFile = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "package-lock.json")))!;
        Assert.Equal("3.0.0", lockFile["packages"]!["node_modules/aws-cdk"]!["version"].Str());

        var packages = System.Xml.Linq.XDocument.Load(Path.Combine(root, "Directory.Packages.props"));
        var cdkLib = packages.Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == "Amazon.CDK.Lib");
        Assert.Equal("2.160.0", (string?)cdkLib.Attribute("Version"));
    }

    [Fact]
    public void The_test_command_hands_node_the_test_files_not_a_folder()
    {
        // Node >= 21 globs --test arguments and runs a bare directory as a module (MODULE_NOT_FOUND,
        // nodejs/node#64555); only Node 20 still searched it, and GitHub CI runs Node 22.
        var root = Payments.Platform.Tests.Delivery.NodeScript.RepositoryRoot();
        var script = File.ReadAllLines(Path.Combine(root, "scripts/test.sh"));
        var invocations = script.Select(l => l.Trim()).Where(l => l.StartsWith("node --test", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(invocations);
        foreach (var invocation in invocations)
        {
            var arguments = invocation["node --test".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(a => !a.StartsWith("2>", StringComparison.Ordinal) && a != "|");
            Assert.All(arguments, a => Assert.False(Directory.Exists(Path.Combine(root, a.Trim('"'))), $"'{invocation}' passes the folder {a}"));
        }
        var tests = Directory.GetFiles(Path.Combine(root, "src/Payments.Platform/Lambda"), "*.test.js", SearchOption.AllDirectories);
        Assert.True(tests.Length >= 2, "the hook and the watchdog have node tests");
        Assert.All(tests, t => Assert.True(Path.GetRelativePath(Path.Combine(root, "src/Payments.Platform/Lambda"), t).Count(c => c == Path.DirectorySeparatorChar) <= 1, $"{t} is deeper than the globs in scripts/test.sh reach"));
    }

    [Theory]
    [InlineData("dev", 7, "false")]
    [InlineData("staging", 7, "false")]
    [InlineData("prod", 30, "true")]
    public void Key_deletion_window_and_alb_deletion_protection_come_from_the_table(string env, int keyDays, string albProtection)
    {
        // Table columns, not `if (prod)` in the constructs (issue 3: one typed table).
        var config = app.Stage(env).Config;
        Assert.Equal((keyDays, albProtection == "true", env == "prod"), (config.KeyDeletionWindowDays, config.LoadBalancerDeletionProtection, config.RequiresCertificate));
        Assert.Equal(keyDays, app.One(env, "AWS::KMS::Key").Props()["PendingWindowInDays"].Number());
        var attributes = app.One(env, "AWS::ElasticLoadBalancingV2::LoadBalancer").Props()["LoadBalancerAttributes"].Items();
        Assert.Equal(albProtection, attributes.Single(a => a["Key"].Str() == "deletion_protection.enabled")["Value"].Str());
    }

    [Fact]
    public void Constructs_do_not_branch_on_the_environment_name()
    {
        var root = Payments.Platform.Tests.Delivery.NodeScript.RepositoryRoot();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "src/Payments.Platform/Constructs"), "*.cs").Concat(Directory.GetFiles(Path.Combine(root, "src/Payments.Platform/Stacks"), "*.cs")))
        {
            var text = File.ReadAllText(file);
            foreach (var name in SynthesizedEnvironments.EnvironmentNames)
            {
                Assert.DoesNotContain($"\"{name}\"", text, StringComparison.Ordinal);
            }
        }
    }
}

/// <summary>The preflight gate over the whole app as <c>cdk synth</c> writes it, the delivery stack included.</summary>
[Collection(SynthesizedApp.Name)]
public sealed class WholeAssemblyGateTests(Payments.Platform.Tests.Delivery.DeliveredApp app) : IClassFixture<Payments.Platform.Tests.Delivery.DeliveredApp>
{
    [Fact]
    public void The_synthesized_app_with_the_pipeline_stack_passes_preflight_with_no_error_or_warning()
    {
        var templates = Directory.GetFiles(app.AssemblyDirectory, "*.template.json", SearchOption.AllDirectories);
        Assert.Contains(templates, t => Path.GetFileName(t) == "Delivery.template.json");
        using var log = new StringWriter();
        Assert.Equal(0, SynthGate.Check(app.AssemblyDirectory, log));
        Assert.Contains("preflight: 4 template(s), 0 error(s), 0 warning(s)", log.ToString(), StringComparison.Ordinal);
    }
}
