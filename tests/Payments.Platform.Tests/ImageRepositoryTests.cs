using System.Security.Cryptography;
using System.Text;
using Payments.Platform.Constructs;

namespace Payments.Platform.Tests;

/// <summary>
/// The ECR lifecycle policy: first the evaluator against the ECR user guide's documented examples
/// ("Examples of lifecycle policies"), then the synthesized policy against the builds the pipeline pushes.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class ImageRepositoryTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static EcrImage Image(string name, int daysAgo, params string[] tags) => new(name, tags, Now.AddDays(-daysAgo));

    private static EcrLifecycleRule Tagged(int priority, string countType, int count, string[]? prefixes = null, string[]? patterns = null) =>
        new(priority, "tagged", prefixes ?? [], patterns ?? [], countType, count);

    // "Filtering on multiple rules", example A: [beta-1, prod-1] 10 days, [beta-2, prod-2] 9 days, [beta-3] 8 days.
    private static readonly EcrImage[] MultipleRulesRepository =
    [
        Image("A", 10, "beta-1", "prod-1"),
        Image("B", 9, "beta-2", "prod-2"),
        Image("C", 8, "beta-3"),
    ];

    [Fact]
    public void Documented_multiple_rules_example_A_expires_only_A_because_B_was_seen_by_rule_1()
    {
        var policy = new EcrLifecycleEvaluator(
        [
            Tagged(1, "imageCountMoreThan", 1, prefixes: ["prod"]),
            Tagged(2, "imageCountMoreThan", 1, prefixes: ["beta"]),
        ]);
        Assert.Equal(["A"], policy.Expired(MultipleRulesRepository, Now).Order());
    }

    [Fact]
    public void Documented_multiple_rules_example_A_with_tag_patterns_prod_star_and_beta_star_expires_only_A()
    {
        var policy = EcrLifecycleEvaluator.Parse("""
            {"rules": [
              {"rulePriority": 1, "description": "Rule 1", "selection": {"tagStatus": "tagged", "tagPatternList": ["prod*"], "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}},
              {"rulePriority": 2, "description": "Rule 2", "selection": {"tagStatus": "tagged", "tagPatternList": ["beta*"], "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}
            ]}
            """);
        Assert.Equal(["A"], policy.Expired(MultipleRulesRepository, Now).Order());
    }

    [Fact]
    public void Documented_multiple_rules_example_B_with_beta_first_expires_A_and_B()
    {
        var policy = new EcrLifecycleEvaluator(
        [
            Tagged(1, "imageCountMoreThan", 1, prefixes: ["beta"]),
            Tagged(2, "imageCountMoreThan", 1, prefixes: ["prod"]),
        ]);
        Assert.Equal(["A", "B"], policy.Expired(MultipleRulesRepository, Now).Order());
    }

    [Fact]
    public void Documented_multiple_tags_example_A_selects_only_images_matching_every_prefix_and_expires_C()
    {
        EcrImage[] repository =
        [
            Image("A", 12, "alpha-1"),
            Image("B", 11, "beta-1"),
            Image("C", 10, "alpha-2", "beta-2"),
            Image("D", 4, "alpha-3"),
            Image("E", 3, "beta-3"),
            Image("F", 2, "alpha-4", "beta-4"),
        ];
        var policy = new EcrLifecycleEvaluator([Tagged(1, "sinceImagePushed", 5, prefixes: ["alpha", "beta"])]);
        Assert.Equal(["C"], policy.Expired(repository, Now).Order());
    }

    [Fact]
    public void Documented_multiple_tags_example_B_tags_are_not_exclusive_and_A_and_B_expire()
    {
        EcrImage[] repository =
        [
            Image("A", 10, "alpha-1", "beta-1", "gamma-1"),
            Image("B", 9, "alpha-2", "beta-2"),
            Image("C", 8, "alpha-3", "beta-3", "gamma-2"),
        ];
        var policy = new EcrLifecycleEvaluator([Tagged(1, "imageCountMoreThan", 1, prefixes: ["alpha", "beta"])]);
        Assert.Equal(["A", "B"], policy.Expired(repository, Now).Order());
    }

    [Fact]
    public void Policies_ECR_rejects_are_rejected()
    {
        // tagged without a tag list, two untagged rules, an "any" rule that is not last.
        Assert.Throws<InvalidOperationException>(() => new EcrLifecycleEvaluator([new EcrLifecycleRule(1, "tagged", [], [], "imageCountMoreThan", 10)]));
        Assert.Throws<InvalidOperationException>(() => new EcrLifecycleEvaluator(
            [new EcrLifecycleRule(1, "untagged", [], [], "imageCountMoreThan", 1), new EcrLifecycleRule(2, "untagged", [], [], "sinceImagePushed", 7)]));
        Assert.Throws<InvalidOperationException>(() => new EcrLifecycleEvaluator(
            [new EcrLifecycleRule(1, "any", [], [], "imageCountMoreThan", 1), Tagged(2, "imageCountMoreThan", 1, prefixes: ["prod"])]));
    }

    private EcrLifecycleEvaluator Synthesized(string env) =>
        EcrLifecycleEvaluator.Parse(app.One(env, "AWS::ECR::Repository").Props()["LifecyclePolicy"]!["LifecyclePolicyText"].Str());

    // A 40-hex-digit commit id, as git names them.
    private static string Commit(int build) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"build {build}")))[..40];

    /// <summary>Every build pushes <c>&lt;commit&gt;</c> to the repository an hour after the previous one.</summary>
    private static List<EcrImage> Builds(int count, Func<int, bool> deployed, DateTimeOffset start) =>
        [.. Enumerable.Range(1, count).Select(build => new EcrImage(
            $"build {build}",
            deployed(build) ? [Commit(build), ImageRepository.DeployedTagPrefix + Commit(build)] : [Commit(build)],
            start.AddHours(build)))];

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_image_prod_runs_survives_thirty_builds_that_were_never_promoted(string env)
    {
        // Build 3 was promoted (tagged deployed-<commit>); builds 4-30 were pushed but never approved.
        var start = Now.AddDays(-40);
        var images = Builds(30, build => build == 3, start);
        var expired = Synthesized(env).Expired(images, start.AddHours(31));
        Assert.DoesNotContain("build 3", expired);
        // Plain builds still go: all but the newest ImageRepository.KeepTaggedImages.
        var expected = Enumerable.Range(1, 30 - ImageRepository.KeepTaggedImages).Where(build => build != 3).Select(build => $"build {build}");
        Assert.Equal(expected.Order(), expired.Order());
        // Weeks later nothing new was pushed and the deployed image is still there.
        Assert.DoesNotContain("build 3", Synthesized(env).Expired(images, Now));
    }

    [Fact]
    public void Deployed_images_are_kept_up_to_the_rollback_history_and_then_expire_oldest_first()
    {
        // dev deploys every build.
        var start = Now.AddDays(-30);
        var builds = ImageRepository.KeepDeployedImages + 20;
        var images = Builds(builds, _ => true, start);
        var expired = Synthesized("dev").Expired(images, Now);
        Assert.Equal(Enumerable.Range(1, 20).Select(build => $"build {build}").Order(), expired.Order());
    }

    [Fact]
    public void Untagged_images_expire_after_a_week_and_never_take_a_deployed_images_place()
    {
        var start = Now.AddDays(-30);
        var images = Builds(3, build => build == 1, start);
        images.Add(new EcrImage("untagged old", [], Now.AddDays(-(ImageRepository.UntaggedExpiryDays + 1))));
        images.Add(new EcrImage("untagged new", [], Now.AddDays(-1)));
        Assert.Equal(["untagged old"], Synthesized("prod").Expired(images, Now));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_keep_last_ten_tagged_rule_selects_every_tag_as_ecr_requires(string env)
    {
        // ECR rejects a tagStatus=tagged rule without tagPrefixList/tagPatternList at deploy time.
        var policy = app.One(env, "AWS::ECR::Repository").Props()["LifecyclePolicy"]!["LifecyclePolicyText"].Str();
        var tagged = System.Text.Json.Nodes.JsonNode.Parse(policy)!["rules"].Items().Single(r => r["selection"]!["tagStatus"].Str() == "tagged" && r["selection"]!["tagPatternList"] is not null);
        Assert.Equal(["*"], tagged["selection"]!["tagPatternList"].Items().Select(t => t.Str()));
        Assert.Equal("expire", tagged["action"]!["type"].Str());
        var untagged = System.Text.Json.Nodes.JsonNode.Parse(policy)!["rules"].Items().Single(r => r["selection"]!["tagStatus"].Str() == "untagged");
        Assert.Equal("days", untagged["selection"]!["countUnit"].Str());
        // Untagged must be evaluated first: a tagged rule with a wildcard would otherwise also count them.
        Assert.True(untagged["rulePriority"].Number() < tagged["rulePriority"].Number());
    }
}
