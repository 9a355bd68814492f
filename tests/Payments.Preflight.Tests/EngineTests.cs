using Payments.Preflight.Engine;
using Payments.Preflight.Loading;

namespace Payments.Preflight.Tests;

public sealed class EngineTests : IDisposable
{
    private const string RetainedDatabase = """
        {"Resources": {"Db": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Retain",
          "Properties": {"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20"}}}}
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("preflight-engine-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Cloud_assembly_with_nested_stage_assemblies_is_followed_with_stack_tags()
    {
        Write("cdk.out/manifest.json", """
            {"version": "38.0.0", "artifacts": {
              "assembly-dev": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-dev"}},
              "Top": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Top.template.json"}},
              "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}
            """);
        Write("cdk.out/Top.template.json", "{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}");
        Write("cdk.out/assembly-dev/manifest.json", """
            {"version": "38.0.0", "artifacts": {
              "devData": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "devData.template.json", "stackName": "payments-data",
                 "tags": {"payments:environment": "dev"}}},
              "assembly-dev-inner": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "inner"}}}}
            """);
        Write("cdk.out/assembly-dev/devData.template.json", RetainedDatabase);
        Write("cdk.out/assembly-dev/inner/manifest.json", """
            {"artifacts": {"Inner": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Inner.template.json"}}}}
            """);
        Write("cdk.out/assembly-dev/inner/Inner.template.json", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n");

        var report = PreflightEngine.Check([Path.Combine(directory, "cdk.out")], new PreflightOptions { Today = TestTemplates.Today });

        Assert.Equal(3, report.Templates);
        var retained = Assert.Single(report.Findings, f => f.RuleId == "PF605");
        Assert.EndsWith("devData.template.json", retained.Template, StringComparison.Ordinal);
        Assert.Contains("stack tag payments:environment", retained.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repository_directory_checks_its_templates_and_leaves_other_json_and_yaml_alone()
    {
        // `preflight check .` in a CDK/SAM repository: package.json, tsconfig, cdk.json, CI workflows and a broken
        // package-lock are not templates (no false errors); a broken template still is reported; the project's
        // cdk.out is read through its manifest (stack names, tags); node_modules and hidden folders are skipped.
        Write("repo/package.json", "{\"name\": \"app\", \"version\": \"1.0.0\", \"dependencies\": {\"aws-cdk-lib\": \"2.160.0\"}}");
        Write("repo/tsconfig.json", "{\"compilerOptions\": {\"target\": \"ES2020\"}}");
        Write("repo/cdk.json", "{\"app\": \"npx ts-node bin/app.ts\"}");
        Write("repo/broken-lock.json", "{\"lockfileVersion\": 3, \"packages\": {");
        Write("repo/.github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n");
        Write("repo/node_modules/x/template.yaml", "Resources: {}\n");
        Write("repo/.aws-sam/build/template.yaml", "Resources: {}\n");
        Write("repo/infra/queue.yaml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n");
        Write("repo/infra/truncated.json", "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Qu");
        Write("repo/cdk.out/manifest.json", """
            {"version": "38.0.0", "artifacts": {"S": {"type": "aws:cloudformation:stack",
              "properties": {"templateFile": "S.template.json", "stackName": "payments-dev"}}}}
            """);
        Write("repo/cdk.out/S.template.json", RetainedDatabase);
        Write("repo/cdk.out/tree.json", "{\"version\": \"tree-0.1\", \"tree\": {}}");

        var report = PreflightEngine.Check([Path.Combine(directory, "repo")], new PreflightOptions { Today = TestTemplates.Today });

        Assert.Equal(3, report.Templates);
        Assert.Collection(
            report.Findings.OrderBy(f => f.RuleId, StringComparer.Ordinal),
            parse => Assert.Equal(("PF001", "truncated.json"), (parse.RuleId, Path.GetFileName(parse.Template))),
            retained => Assert.Equal(("PF605", "S.template.json"), (retained.RuleId, Path.GetFileName(retained.Template))));

        // Named explicitly, a file is checked whatever it is: the user said it is a template.
        var named = PreflightEngine.Check([Path.Combine(directory, "repo", "package.json")]);
        Assert.Equal("PF003", Assert.Single(named.Findings).RuleId);

        // A glob is a search too: only templates count, and a search that finds none is an error (a gate that
        // checked nothing must not pass).
        var globbed = PreflightEngine.Check([Path.Combine(directory, "repo", "*.json")]);
        Assert.Equal(0, globbed.Templates);
        var nothing = Assert.Single(globbed.Findings);
        Assert.Equal(("PF005", Severity.Error), (nothing.RuleId, nothing.Severity));
        Assert.Contains("none of the 4 JSON/YAML file(s)", nothing.Message, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(directory, "empty-cdk-out"));
        Assert.Contains("no CloudFormation template found", Assert.Single(PreflightEngine.Check([Path.Combine(directory, "empty-cdk-out")]).Findings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_walk_skips_lists_test_events_and_transform_only_files()
    {
        // As in aws-samples/serverless-patterns: parameter files and event arrays are lists, test events are
        // objects without Resources, and a package.json may carry a Transform; none of them is a template.
        Write("repo/parameters.json", "[{\"ParameterKey\": \"Resources\", \"ParameterValue\": \"AWS::S3::Bucket\"}]");
        Write("repo/events/event.json", "{\"RequestType\": \"Create\", \"ResourceType\": \"AWS::CloudFormation::CustomResource\", \"ResourceProperties\": {}}");
        Write("repo/events/sqs.json", "{\"Records\": [{\"eventSource\": \"aws:sqs\", \"body\": \"Resources\"}]}");
        Write("repo/package.json", "{\"dependencies\": {\"aws-cdk\": \"2.103.1\"}, \"Transform\": \"AWS::Serverless-2016-10-31\"}");
        Write("repo/events/broken.json", "{\"detail-type\": \"AWS::S3 event\", ");
        Write("repo/template.yaml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n");
        Write("repo/broken-template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q: [\n");

        var report = PreflightEngine.Check([Path.Combine(directory, "repo")], new PreflightOptions { Today = TestTemplates.Today });

        Assert.Equal(2, report.Templates);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(("PF001", "broken-template.yaml"), (finding.RuleId, Path.GetFileName(finding.Template)));

        // A cloud assembly manifest copied into a project without its templates (serverless-patterns'
        // cdk-apigw-authorizer-sqs): found on the walk it is a warning; named, the assembly is broken.
        Write("repo/stray/manifest.json", "{\"version\": \"21.0.0\", \"artifacts\": {\"S\": {\"type\": \"aws:cloudformation:stack\", \"properties\": {\"templateFile\": \"S.template.json\"}}}}");
        var walked = Assert.Single(PreflightEngine.Check([Path.Combine(directory, "repo")], new PreflightOptions { Today = TestTemplates.Today }).Findings, f => f.RuleId == "PF005");
        Assert.Equal(Severity.Warning, walked.Severity);
        Assert.Equal(Severity.Error, Assert.Single(PreflightEngine.Check([Path.Combine(directory, "repo", "stray")]).Findings).Severity);

        // Named, a list is still reported: the user said it is a template.
        Assert.Equal("PF001", Assert.Single(PreflightEngine.Check([Path.Combine(directory, "repo", "parameters.json")]).Findings).RuleId);
    }

    [Theory]
    [InlineData("bucket.yaml", "Resources:\n  Bucket:\n    Type: !Rain::Module ./bucket.yml\n  Code:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        ZipFile: !Rain::Embed handler.py\n", "!Rain::Module", 3)]
    [InlineData("bucket.json", "{\"Resources\": {\n  \"Storage\": {\"Type\": {\"Rain::Module\": \"../bucket.yml\"}},\n  \"Topic\": {\"Type\": \"AWS::SNS::Topic\"}}}", "Rain::Module", 2)]
    public void A_rain_source_gets_one_finding_to_package_it_first(string name, string text, string construct, int line)
    {
        // As AWS's own template repository holds (RainModules/, Solutions/GitLab/…): a rain source, not a template.
        var path = Write(Path.Combine("rain", name), text);
        foreach (var input in new[] { path, Path.GetDirectoryName(path)! })
        {
            var finding = Assert.Single(PreflightEngine.Check([input], new PreflightOptions { Today = TestTemplates.Today }).Findings);
            Assert.Equal(("PF008", Severity.Warning, line), (finding.RuleId, finding.Severity, finding.Line));
            Assert.Contains(construct, finding.Message, StringComparison.Ordinal);
            Assert.Contains("rain pkg", finding.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("[ { Key: environment, Value: dev } ]", "[ { Key: Environment, Value: dev } ]", false)]
    [InlineData("[ { Key: app:Environment, Value: sandbox } ]", "[ { Key: owner, Value: team } ]", false)]
    [InlineData("{ STAGE: test }", "{ project: x }", false)]
    [InlineData("[ { Key: env, Value: prod } ]", "[ { Key: env, Value: prod } ]", true)]
    [InlineData("[ { Key: environment, Value: dev } ]", "[ { Key: environment, Value: prod } ]", null)]
    [InlineData("[ { Key: environment, Value: dev } ]", "[ { Key: environment, Value: test } ]", null)]
    [InlineData("[ { Key: environment, Value: !Ref Env } ]", "[ { Key: owner, Value: team } ]", null)]
    public void Environment_is_read_from_resource_tags_that_agree(string firstTags, string secondTags, bool? production)
    {
        var yaml = $"Parameters:\n  Env: {{ Type: String, Default: dev }}\nResources:\n  Nat:\n    Type: AWS::EC2::NatGateway\n    Properties: {{ SubnetId: s, Tags: {firstTags} }}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {{ Handler: index.handler, Runtime: nodejs22.x, CodeUri: ., Tags: {secondTags} }}\n";
        var template = TemplateLoader.FromBytes("template.yaml", System.Text.Encoding.UTF8.GetBytes(yaml), null, new Dictionary<string, string>());
        var environment = EnvironmentInfo.Detect(null, new Dictionary<string, string>(), null, "template.yaml", template.Resources.Values);
        Assert.Equal(production, environment.IsProduction);

        // The non-production rules follow: a NAT gateway costs a warning only where the environment is known non-production.
        var nat = PreflightEngine.CheckText("template.yaml", yaml, new PreflightOptions { Today = TestTemplates.Today }).Where(f => f.RuleId == "PF901");
        Assert.Equal(production == false ? 1 : 0, nat.Count());
    }

    [Fact]
    public void Stack_tags_win_over_resource_tags()
    {
        var template = TemplateLoader.FromBytes("t.yaml", "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: { Tags: [ { Key: environment, Value: dev } ] }\n"u8.ToArray(), null, new Dictionary<string, string>());
        var environment = EnvironmentInfo.Detect(null, new Dictionary<string, string> { ["Environment"] = "production" }, null, "t.yaml", template.Resources.Values);
        Assert.Equal((true, "stack tag Environment"), (environment.IsProduction, environment.Source));
    }

    [Fact]
    public void Missing_template_in_a_manifest_is_a_finding()
    {
        Write("out/manifest.json", "{\"artifacts\": {\"S\": {\"type\": \"aws:cloudformation:stack\", \"properties\": {\"templateFile\": \"gone.json\"}}}}");
        var finding = Assert.Single(PreflightEngine.Check([Path.Combine(directory, "out")]).Findings);
        Assert.Equal("PF005", finding.RuleId);
    }

    [Fact]
    public void Missing_path_and_empty_glob_are_findings_in_the_library()
    {
        var report = PreflightEngine.Check([Path.Combine(directory, "nothing.yaml"), Path.Combine(directory, "*.none")]);
        Assert.Equal(2, report.Findings.Count(f => f.RuleId == "PF005"));
        Assert.True(report.HasErrors);
    }

    [Fact]
    public void Report_prints_as_the_text_output()
    {
        var path = Write("db-dev.json", RetainedDatabase);
        var text = PreflightEngine.Check([path]).ToString();
        Assert.Contains("db-dev.json:1: warning PF605", text, StringComparison.Ordinal);
        Assert.Contains("1 template(s), 0 error(s), 1 warning(s), 0 info", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_and_ignore_select_by_prefix()
    {
        var path = Write("db-dev.json", RetainedDatabase);
        Assert.NotEmpty(PreflightEngine.Check([path], new PreflightOptions { Include = ["PF6"] }).Findings);
        Assert.Empty(PreflightEngine.Check([path], new PreflightOptions { Ignore = ["pf60"] }).Findings);
        Assert.Empty(PreflightEngine.Check([path], new PreflightOptions { Include = ["PF1"] }).Findings);
    }

    [Fact]
    public void Environment_option_overrides_the_stack_name()
    {
        var path = Write("db-dev.json", RetainedDatabase);
        Assert.NotEmpty(PreflightEngine.Check([path]).Findings);
        Assert.Empty(PreflightEngine.Check([path], new PreflightOptions { Environment = "production" }).Findings);
    }

    [Fact]
    public void Suppression_with_a_reason_removes_the_finding()
    {
        const string template = """
            Resources:
              Repo:
                Type: AWS::ECR::Repository
                Metadata:
                  preflight:
                    suppress:
                      - id: PF603
                        reason: one repository shared by all environments, created by the platform account
                Properties:
                  RepositoryName: payments
                  EmptyOnDelete: true
              Other:
                Type: AWS::ECR::Repository
                Properties:
                  RepositoryName: payments-tools
                  EmptyOnDelete: true
            """;
        var findings = TestTemplates.Check(template);
        var remaining = Assert.Single(findings);
        Assert.Equal(("PF603", "Other"), (remaining.RuleId, remaining.Resource));
    }

    [Fact]
    public void Template_level_suppression_applies_to_every_resource()
    {
        const string template = """
            Metadata:
              preflight:
                suppress:
                  - { id: PF6, reason: "throw-away demo stack, deleted by hand" }
            Resources:
              Repo: { Type: AWS::ECR::Repository, Properties: { RepositoryName: demo } }
            """;
        Assert.Empty(TestTemplates.Check(template));
    }

    [Theory]
    [InlineData("- id: PF603\n")]
    [InlineData("- { id: PF603, reason: ok }\n")]
    [InlineData("- reason: because this is a shared repository\n")]
    public void Suppression_without_id_or_reason_is_reported_and_not_applied(string entry)
    {
        var template = $"""
            Resources:
              Repo:
                Type: AWS::ECR::Repository
                Metadata:
                  preflight:
                    suppress:
                      {entry}
                Properties:
                  RepositoryName: payments
                  EmptyOnDelete: true
            """;
        var findings = TestTemplates.Check(template);
        Assert.Contains(findings, f => f.RuleId == "PF004" && f.Severity == Severity.Error);
        Assert.Contains(findings, f => f.RuleId == "PF603");
    }

    [Theory]
    [InlineData("PaymentsDevStack", false)]
    [InlineData("payments-prod-platform", true)]
    [InlineData("pr4918-payments", false)]
    [InlineData("Payments", null)]
    [InlineData("ProductCatalog", null)]
    [InlineData("stagingPlatform292D69C5", false)]
    public void Environment_is_classified_from_names(string name, bool? production) =>
        Assert.Equal(production, EnvironmentInfo.Detect(null, new Dictionary<string, string>(), name, "x.json").IsProduction);

    [Fact]
    public void Resolver_resolves_sub_join_select_pseudo_parameters_and_defaults()
    {
        const string template = """
            Mappings:
              Sizes: { dev: { Cpu: "256" } }
            Parameters:
              Env: { Type: String, Default: dev }
              NoDefault: { Type: String }
            Resources:
              R:
                Type: AWS::SNS::Topic
                Properties:
                  A: !Sub "arn:${AWS::Partition}:s3:::payments-${Env}"
                  B: !Join [ "-", [ a, !Ref Env, !Select [ 1, [ x, y ] ] ] ]
                  C: !Sub [ "${Name}.${AWS::URLSuffix}", { Name: logs } ]
                  D: !Sub "${NoDefault}"
                  E: !Sub "${AWS::Region}"
                  F: !Sub "${!Literal}"
                  G: !GetAtt R.TopicName
                  H: !FindInMap [ Sizes, !Ref Env, Cpu ]
                  I: !FindInMap [ Sizes, prod, Cpu ]
            """;
        var root = (Payments.Preflight.Model.MappingNode)Payments.Preflight.Loading.TemplateLoader.Parse("t.yaml", System.Text.Encoding.UTF8.GetBytes(template));
        var model = new Payments.Preflight.Model.Template("t.yaml", root, null, new Dictionary<string, string>());
        var resolver = new Resolver(model, useParameterDefaults: true);
        var properties = model.Resources["R"].Properties!;
        Assert.Equal("arn:aws:s3:::payments-dev", resolver.String(properties["A"]));
        Assert.Equal("a-dev-y", resolver.String(properties["B"]));
        Assert.Equal("logs.amazonaws.com", resolver.String(properties["C"]));
        Assert.Null(resolver.String(properties["D"]));
        Assert.Null(resolver.String(properties["E"]));
        Assert.Equal("${Literal}", resolver.String(properties["F"]));
        Assert.Null(resolver.String(properties["G"]));
        Assert.Equal("R", resolver.ResourceTarget(properties["G"]));
        Assert.Equal("256", resolver.String(properties["H"]));
        Assert.Null(resolver.String(properties["I"]));
        Assert.Null(new Resolver(model, useParameterDefaults: false).String(properties["A"]));
    }

    [Fact]
    public void Resolver_resolves_a_sub_variable_once_however_often_the_string_uses_it()
    {
        // 30 nested Fn::Sub of "${A}${A}": without resolving each variable once, the innermost would be resolved 2^30 times.
        var (empty, emptyValue) = ResolveOne(NestedSub(depth: 30, uses: 2, innermost: ""));
        var (shallow, shallowValue) = ResolveOne(NestedSub(depth: 12, uses: 2, innermost: "x"));
        var (deep, deepValue) = ResolveOne(NestedSub(depth: 30, uses: 2, innermost: "x"));

        Assert.Equal(string.Empty, empty.String(emptyValue));
        Assert.Equal(new string('x', 1 << 12), shallow.String(shallowValue));
        Assert.Null(deep.String(deepValue)); // 2^30 characters: longer than any value CloudFormation could deploy
    }

    [Fact]
    public void Resolver_takes_a_value_longer_than_its_cap_as_unknown_but_builds_one_up_to_it()
    {
        var (resolver, value) = ResolveOne($$"""{"Fn::Join": ["", ["{{new string('x', Resolver.MaxLength - 1)}}", "y"]]}""");
        var (longer, longerValue) = ResolveOne($$"""{"Fn::Join": ["", ["{{new string('x', Resolver.MaxLength)}}", "y"]]}""");
        // A 10,000-character delimiter between 100,000 items.
        var (bomb, bombValue) = ResolveOne($$"""{"Fn::Join": ["{{new string('-', 10_000)}}", [{{string.Join(", ", Enumerable.Repeat("\"1\"", 100_000))}}]]}""");

        Assert.Equal(Resolver.MaxLength, resolver.String(value)?.Length);
        Assert.Null(longer.String(longerValue));
        Assert.Null(bomb.String(bombValue));
    }

    [Fact]
    public void Resolver_takes_a_value_as_unknown_when_its_parts_copy_too_much_on_the_way()
    {
        // Each item looks up a key half the cap long that a nested Fn::Sub builds: short values, long work.
        var key = new string('x', Resolver.MaxLength / 2);
        var item = $$"""{"Fn::FindInMap": ["M", {{NestedSub(depth: 19, uses: 2, innermost: "x")}}, "v"]}""";
        string Join(int items) => $$"""{"Fn::Join": ["", [{{string.Join(", ", Enumerable.Repeat(item, items))}}]]}""";
        var mappings = $$"""{"M": {"{{key}}": {"v": "1"} } }""";
        var (few, fewValue) = ResolveOne(Join(4), mappings);
        var (many, manyValue) = ResolveOne(Join(40), mappings);

        Assert.Equal("1111", few.String(fewValue));
        Assert.Null(many.String(manyValue));
    }

    /// <summary>Fn::Sub nested <paramref name="depth"/> deep, each using its variable A <paramref name="uses"/> times.</summary>
    private static string NestedSub(int depth, int uses, string innermost)
    {
        var json = $"\"{innermost}\"";
        for (var i = 0; i < depth; i++)
        {
            json = $$"""{"Fn::Sub": ["{{string.Concat(Enumerable.Repeat("${A}", uses))}}", {"A": {{json}}}]}""";
        }

        return json;
    }

    /// <summary>A resolver (with parameter defaults) over a template whose resource R has <paramref name="valueJson"/> as its property Value.</summary>
    private static (Resolver Resolver, Payments.Preflight.Model.Node? Value) ResolveOne(string valueJson, string mappingsJson = "{}")
    {
        var text = $$"""{"Mappings": {{mappingsJson}}, "Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"Value": {{valueJson}} } } } }""";
        var model = TemplateLoader.FromBytes("t.json", System.Text.Encoding.UTF8.GetBytes(text), null, new Dictionary<string, string>());
        return (new Resolver(model, useParameterDefaults: true), model.Resources["R"].Properties!["Value"]);
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
