using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Payments.Preflight.Permissions;
using Xunit.Abstractions;
using static Payments.Preflight.Tests.Permissions.Differential.CaseWorld;

namespace Payments.Preflight.Tests.Permissions.Differential;

/// <summary>
/// Our evaluator against an independent judge, @cloud-copilot/iam-simulate: every answer our model gives as allowed
/// or refused must be the simulator's. Unknown may differ (it is where our model declines to decide), and is counted.
/// Cases are generated from a fixed seed, plus requests against the policies our platform synthesizes (fixtures
/// refreshed by Fixtures/refresh.py).
/// </summary>
public sealed class PolicyEvaluatorDifferentialTests(ITestOutputHelper output)
{
    private const int Seed = 20261203;
    private const int GeneratedCases = 4000;
    private const int CasesPerTemplateCall = 60;

    private static readonly string[] KeyPolicies = ["platform-key-policy", "delivery-key-policy"];
    private static readonly string[] KmsActions = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:CreateGrant", "kms:DescribeKey"];
    private static readonly string[] KmsSiblings = ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"];
    private static readonly string[] S3Actions = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"];

    [Fact]
    public void Every_allowed_or_refused_answer_is_the_simulators()
    {
        var clock = Stopwatch.StartNew();
        var cases = GeneratedAndTemplateCases();
        var answers = Simulator.Run(cases);
        var simulated = clock.Elapsed;

        var errors = new List<string>();
        var disagreements = new List<string>();
        var tally = new Dictionary<(string Source, string Ours, string Theirs), int>();
        foreach (var @case in cases)
        {
            var (theirs, error) = answers[@case.Id];
            if (theirs == "Error")
            {
                errors.Add($"case {@case.Id}: {error}\n{@case}");
                continue;
            }

            var decision = @case.EvaluateWithOurModel();
            var key = (@case.Source, decision.Answer.ToString(), theirs);
            tally[key] = tally.GetValueOrDefault(key) + 1;
            var agrees = decision.Answer switch
            {
                Answer.Allowed => theirs == "Allowed",
                Answer.Refused => theirs is "ImplicitlyDenied" or "ExplicitlyDenied",
                _ => true,
            };
            if (!agrees)
            {
                disagreements.Add($"case {@case.Id} ({@case.Source}): ours {decision.Answer} ({decision.Reason}), simulator {theirs}\n{@case}");
            }
        }

        var report = new StringBuilder();
        report.AppendLine($"{cases.Count} cases, simulated and compared in {clock.Elapsed.TotalSeconds:F1} s (simulator {simulated.TotalSeconds:F1} s)");
        foreach (var ((source, ours, theirs), count) in tally.OrderBy(t => t.Key.Source).ThenBy(t => t.Key.Ours).ThenBy(t => t.Key.Theirs))
        {
            report.AppendLine($"  {source,-34} ours {ours,-8} simulator {theirs,-16} {count,5}");
        }

        output.WriteLine(report.ToString());
        Assert.True(errors.Count == 0, $"{errors.Count} case(s) the simulator rejected, first:\n{string.Join("\n", errors.Take(3))}");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreement(s), first:\n{string.Join("\n\n", disagreements.Take(5))}\n\n{report}");

        // The comparison must decide things: both answers plentiful, explicit denies among them, few unknowns.
        var total = tally.Values.Sum();
        int Count(Func<(string Source, string Ours, string Theirs), bool> where) => tally.Where(t => where(t.Key)).Sum(t => t.Value);
        Assert.True(Count(k => k.Ours == "Allowed") > total / 5, report.ToString());
        Assert.True(Count(k => k.Ours == "Refused") > total / 5, report.ToString());
        Assert.True(Count(k => k.Ours == "Refused" && k.Theirs == "ExplicitlyDenied") > total / 20, report.ToString());
        Assert.True(Count(k => k.Ours == "Unknown") < total / 10, report.ToString());
        foreach (var source in tally.Keys.Select(k => k.Source).Distinct())
        {
            Assert.True(Count(k => k.Source == source && k.Ours != "Unknown") > 0, $"{source}: no decided case\n{report}");
        }
    }

    private static List<DifferentialCase> GeneratedAndTemplateCases()
    {
        var generator = new CaseGenerator(Seed);
        var cases = new List<DifferentialCase>();
        for (var i = 0; i < GeneratedCases; i++)
        {
            cases.Add(generator.Next(cases.Count));
        }

        foreach (var (source, call, resourcePolicy, identity, services) in TemplateCalls())
        {
            for (var i = 0; i < CasesPerTemplateCall; i++)
            {
                cases.Add(generator.ForPolicies(cases.Count, source, call, resourcePolicy, identity, services));
            }
        }

        return cases;
    }

    /// <summary>The calls our platform makes against the policies it synthesizes.</summary>
    private static IEnumerable<(string Source, Call Call, JsonObject? ResourcePolicy, JsonObject[] Identity, string[] Services)> TemplateCalls()
    {
        var key = $"arn:aws:kms:{Region}:{Account}:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        var kmsCalls = KmsActions.Select(action => new Call(action, key, 4, true, KmsSiblings));
        foreach (var keyPolicy in KeyPolicies)
        {
            foreach (var call in kmsCalls)
            {
                yield return (keyPolicy, call, Fixture(keyPolicy), [Fixture("worker-task-role-policy")], ["cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"]);
                yield return (keyPolicy, call, Fixture(keyPolicy), [], ["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
            }
        }

        var topic = new Call("sns:Publish", $"arn:aws:sns:{Region}:{Account}:alerts", 0, true, ["sns:Subscribe"]);
        yield return ("alerting-topic-policy", topic, Fixture("alerting-topic-policy"), [Fixture("approval-action-role-policy")], ["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
        yield return ("alerting-topic-policy", topic, Fixture("alerting-topic-policy"), [], ["cloudwatch.amazonaws.com"]);

        // The policy SNS gives a topic that has no topic policy (not in the templates: AWS writes it).
        yield return ("sns-default-topic-policy", topic, Fixture("sns-default-topic-policy"), [], ["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
        yield return ("sns-default-topic-policy", topic with { Action = "sns:Subscribe" }, Fixture("sns-default-topic-policy"), [Fixture("approval-action-role-policy")], []);

        foreach (var action in S3Actions)
        {
            var call = new Call(action, "arn:aws:s3:::payments-logs/transaction-log/2026/12/03/batch.json", 0, true, ["s3:ListBucket"]);
            yield return ("transaction-log-bucket-policy", call, Fixture("transaction-log-bucket-policy"), [Fixture("worker-task-role-policy")], []);
        }

        var logDelivery = new Call("s3:PutObject", $"arn:aws:s3:::payments-logs/alb/AWSLogs/{Account}/elasticloadbalancing/eu-west-1/log.gz", 0, true, ["s3:GetObject"]);
        yield return ("edge-access-logs-bucket-policy", logDelivery, Fixture("edge-access-logs-bucket-policy"), [], ["delivery.logs.amazonaws.com", "logdelivery.elasticloadbalancing.amazonaws.com"]);
        var bucketAcl = new Call("s3:GetBucketAcl", "arn:aws:s3:::payments-logs", 0, true, ["s3:PutBucketAcl"]);
        yield return ("edge-access-logs-bucket-policy", bucketAcl, Fixture("edge-access-logs-bucket-policy"), [], ["delivery.logs.amazonaws.com"]);

        var executionRole = Fixture("api-execution-role-policy");
        yield return ("api-execution-role-policy", new Call("ecr:BatchGetImage", $"arn:aws:ecr:{Region}:{Account}:repository/cdk-hnb659fds-container-assets-{Account}-{Region}", 11, false, ["ecr:PutImage"]), null, [executionRole], []);
        yield return ("api-execution-role-policy", new Call("logs:PutLogEvents", $"arn:aws:logs:{Region}:{Account}:log-group:/ecs/api:log-stream:api/web/0123", 10, false, ["logs:DeleteLogGroup"]), null, [executionRole], []);
        yield return ("api-execution-role-policy", new Call("secretsmanager:GetSecretValue", $"arn:aws:secretsmanager:{Region}:{Account}:secret:db-AbCdEf", 7, false, ["secretsmanager:DeleteSecret"]), null, [executionRole], []);
    }

    private static JsonObject Fixture(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "tests", "Payments.Preflight.Tests", "Permissions", "Differential", "Fixtures", name + ".json")))!.AsObject();
}
