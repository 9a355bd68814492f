using System.Text.Json;

namespace Payments.Preflight.Tests;

public sealed class CliTests : IDisposable
{
    private const string Failing = """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 45
          Repository:
            Type: AWS::ECR::Repository
            DeletionPolicy: Delete
          Nat:
            Type: AWS::EC2::NatGateway
            Properties: { SubnetId: s }
        """;

    private static readonly string[] SeverityNames = ["error", "warning", "info"];
    private static readonly string[] SarifLevels = ["error", "warning", "note"];

    private readonly string directory = Directory.CreateTempSubdirectory("preflight-cli-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Exit_code_has_a_bit_per_severity()
    {
        var path = Write("stack-dev.yaml", Failing);
        Assert.Equal(2 | 4 | 8, Run("check", path).Exit);
        Assert.Equal(4 | 8, Run("check", path, "--ignore", "PF402").Exit);
        Assert.Equal(8, Run("check", path, "--include", "PF9").Exit);
        Assert.Equal(0, Run("check", path, "--include", "PF9", "--environment", "prod").Exit);
        Assert.Equal(2, Run("check", path, "--non-zero-exit-code", "error").Exit);
        Assert.Equal(2 | 4, Run("check", path, "--non-zero-exit-code", "warning").Exit);
        Assert.Equal(0, Run("check", path, "--non-zero-exit-code", "none").Exit);
        Assert.Equal(4, Run("check", path, "--non-zero-exit-code", "warning", "--ignore", "PF402").Exit);
        Assert.Equal(0, Run("check", path, "--non-zero-exit-code", "error", "--ignore", "PF402").Exit);
        Assert.Contains("PF602", Run("check", path, "--non-zero-exit-code", "none").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Clean_template_exits_zero()
    {
        var path = Write("clean.yaml", "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n");
        var (exit, output, _) = Run("check", path);
        Assert.Equal(0, exit);
        Assert.Contains("0 error(s)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lint")]
    [InlineData("check")]
    [InlineData("check --format xml x.yaml")]
    [InlineData("check /definitely/not/here.yaml")]
    [InlineData("check x.yaml --include")]
    [InlineData("check x.yaml --include ZZ")]
    [InlineData("check x.yaml --today 23.11.2026")]
    [InlineData("check x.yaml --bogus")]
    [InlineData("docs")]
    [InlineData("rules extra")]
    [InlineData("check x.yaml --non-zero-exit-code sometimes")]
    [InlineData("check x.yaml --non-zero-exit-code none --bogus")]
    [InlineData("check --non-zero-exit-code none /definitely/not/here.yaml")]
    [InlineData("check x.yaml --format sarif --docs-base-url docs/rules")]
    [InlineData("check x.yaml --format sarif --docs-base-url ftp://example.test/repo/")]
    [InlineData("check x.yaml --format sarif --docs-base-url https://example.test/repo?ref=main")]
    [InlineData("check x.yaml --docs-base-url")]
    public void Usage_errors_exit_64_with_a_message(string commandLine)
    {
        Write("x.yaml", "Resources: {}\n");
        var adjusted = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a == "x.yaml" ? Path.Combine(directory, a) : a).ToArray();
        var (exit, output, error) = Run(adjusted);
        Assert.Equal(64, exit);
        Assert.Empty(output);
        Assert.Contains("usage: preflight check", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_has_the_documented_shape()
    {
        var path = Write("stack-dev.yaml", Failing);
        var (_, output, _) = Run("check", path, "--format", "json");
        using var document = JsonDocument.Parse(output);
        Assert.Equal(1, document.RootElement.GetProperty("templates").GetInt32());
        var findings = document.RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.NotEmpty(findings);
        foreach (var finding in findings)
        {
            Assert.Equal(["ruleId", "severity", "template", "resource", "path", "line", "message"], finding.EnumerateObject().Select(p => p.Name));
            Assert.Contains(finding.GetProperty("severity").GetString(), SeverityNames);
        }

        var retention = findings.Single(f => f.GetProperty("ruleId").GetString() == "PF402");
        Assert.Equal("Logs", retention.GetProperty("resource").GetString());
        Assert.Equal("Resources/Logs/Properties/RetentionInDays", retention.GetProperty("path").GetString());
        Assert.Equal(5, retention.GetProperty("line").GetInt32());
    }

    [Fact]
    public void Sarif_output_is_sarif_2_1_0_with_rules_and_locations()
    {
        var path = Write("stack-dev.yaml", Failing);
        var (_, output, _) = Run("check", path, "--format", "sarif");
        using var document = JsonDocument.Parse(output);
        Assert.Equal("2.1.0", document.RootElement.GetProperty("version").GetString());
        var run = document.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        Assert.Contains(rules, r => r.GetProperty("id").GetString() == "PF402");
        Assert.All(rules, r => Assert.Matches("^[A-Z][A-Za-z0-9]*$", r.GetProperty("name").GetString()));
        foreach (var result in run.GetProperty("results").EnumerateArray())
        {
            var index = result.GetProperty("ruleIndex").GetInt32();
            Assert.Equal(rules[index].GetProperty("id").GetString(), result.GetProperty("ruleId").GetString());
            Assert.Contains(result.GetProperty("level").GetString(), SarifLevels);
            var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.EndsWith("stack-dev.yaml", location.GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
            Assert.True(location.GetProperty("region").GetProperty("startLine").GetInt32() >= 1);
        }
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("sarif")]
    public void Every_format_shows_a_huge_logical_id_and_value_as_excerpts(string format)
    {
        // A logical ID and a value of megabytes: each finding quotes them, so each would be as large as the template.
        var id = new string('L', 1_000_000);
        var path = Write("huge.json", $$"""{"Resources": {"{{id}}": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": "{{new string('9', 1_000_000)}}"} } } }""");

        var (_, output, _) = Run("check", path, "--format", format);

        Assert.True(output.Length < 200_000, $"the {format} report is {output.Length:N0} characters");
        var shown = format == "text" ? output : string.Join('\n', Strings(JsonDocument.Parse(output).RootElement));
        Assert.Contains("RetentionInDays 999", shown, StringComparison.Ordinal);
        Assert.Contains("LLL…LLL", shown, StringComparison.Ordinal);

        static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => [element.GetString()!],
            JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
            JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
            _ => [],
        };
    }

    [Fact]
    public void Json_and_sarif_reports_bound_a_message_of_any_length()
    {
        // A message beyond what Utf8JsonWriter takes (about 166 million characters) made --format json throw.
        var message = "m" + new string('x', 1_000_000) + "end";
        var report = new PreflightReport([new Finding("PF402", Severity.Error, "t.json", "R" + new string('r', 1_000), "Resources/R/Properties/P", 1, message)], 1);

        using var json = JsonDocument.Parse(Payments.Preflight.Output.ReportWriter.Json(report));
        using var sarif = JsonDocument.Parse(Payments.Preflight.Output.ReportWriter.Sarif(report));

        var finding = json.RootElement.GetProperty("findings")[0];
        var written = finding.GetProperty("message").GetString()!;
        Assert.True(written.Length <= 4_096, $"the message is {written.Length:N0} characters");
        Assert.StartsWith("mxxx", written, StringComparison.Ordinal);
        Assert.EndsWith("xxxend", written, StringComparison.Ordinal);
        Assert.True(finding.GetProperty("resource").GetString()!.Length <= 256);
        Assert.Equal(written, sarif.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("message").GetProperty("text").GetString());
    }

    [Fact]
    public void Sarif_without_a_docs_base_url_names_the_rule_page_but_links_nowhere()
    {
        var path = Write("stack-dev.yaml", Failing);
        var (_, output, _) = Run("check", path, "--format", "sarif");
        using var document = JsonDocument.Parse(output);
        var driver = document.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver");
        Assert.False(driver.TryGetProperty("informationUri", out _));
        var retention = driver.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "PF402");
        Assert.False(retention.TryGetProperty("helpUri", out _));
        Assert.EndsWith("See docs/rules/PF402.md.", retention.GetProperty("help").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.test/org/repo/blob/main")]
    [InlineData("https://example.test/org/repo/blob/main/")]
    public void Sarif_help_links_are_absolute_under_the_docs_base_url(string baseUrl)
    {
        var path = Write("stack-dev.yaml", Failing);
        var (_, output, _) = Run("check", path, "--format", "sarif", "--docs-base-url", baseUrl);
        using var document = JsonDocument.Parse(output);
        var driver = document.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver");
        Assert.Equal("https://example.test/org/repo/blob/main/docs/preflight.md", driver.GetProperty("informationUri").GetString());
        foreach (var rule in driver.GetProperty("rules").EnumerateArray())
        {
            var help = new Uri(rule.GetProperty("helpUri").GetString()!, UriKind.Absolute);
            Assert.Equal($"https://example.test/org/repo/blob/main/docs/rules/{rule.GetProperty("id").GetString()}.md", help.AbsoluteUri);
        }
    }

    [Fact]
    public void Sarif_docs_base_url_comes_from_the_environment_unless_the_option_overrides_it()
    {
        var path = Write("stack-dev.yaml", Failing);
        Environment.SetEnvironmentVariable(Cli.DocsBaseUrlVariable, "https://docs.example.test/payments/");
        try
        {
            Assert.Equal("https://docs.example.test/payments/docs/rules/PF402.md", Pf402HelpUri(Run("check", path, "--format", "sarif").Output));
            Assert.Equal(
                "https://other.example.test/docs/rules/PF402.md",
                Pf402HelpUri(Run("check", path, "--format", "sarif", "--docs-base-url", "https://other.example.test").Output));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Cli.DocsBaseUrlVariable, null);
        }

        static string? Pf402HelpUri(string sarif)
        {
            using var document = JsonDocument.Parse(sarif);
            return document.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules")
                .EnumerateArray().Single(r => r.GetProperty("id").GetString() == "PF402").GetProperty("helpUri").GetString();
        }
    }

    [Fact]
    public void Text_output_lists_must_exist_items_in_one_section()
    {
        var path = Write("stack.yaml", """
            Resources:
              Task:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: api
                      Image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.0
                      Environment: [ { Name: A, Value: "{{resolve:secretsmanager:payments/db}}" } ]
            """);
        var (exit, output, _) = Run("check", path);
        Assert.Equal(4, exit);
        Assert.Contains("Must exist before deploy (2, PF701 warnings):", output, StringComparison.Ordinal);
        Assert.Contains("secret 'payments/db'", output, StringComparison.Ordinal);
        Assert.Contains("payments:1.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Globs_and_output_file_work()
    {
        Write("a-dev.yaml", Failing);
        Write("b.json", "{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}");
        var outputFile = Path.Combine(directory, "report.json");
        var (exit, output, _) = Run("check", Path.Combine(directory, "*.yaml"), Path.Combine(directory, "**", "*.json"), "--format=json", "--output", outputFile);
        Assert.Equal(14, exit);
        Assert.Empty(output);
        using var document = JsonDocument.Parse(File.ReadAllText(outputFile));
        Assert.Equal(2, document.RootElement.GetProperty("templates").GetInt32());
    }

    [Fact]
    public void A_mix_of_file_directory_glob_and_cloud_assembly_manifest_is_checked_once_each()
    {
        var clean = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n";
        var file = Write("single.yaml", clean);
        Directory.CreateDirectory(Path.Combine(directory, "dir", "nested"));
        Write(Path.Combine("dir", "a.json"), "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\"}}}");
        Write(Path.Combine("dir", "nested", "b.yml"), clean);
        Directory.CreateDirectory(Path.Combine(directory, "globbed"));
        Write(Path.Combine("globbed", "c.template"), clean);
        Write(Path.Combine("globbed", "d.yaml"), "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties: { RetentionInDays: 45 }\n");
        Directory.CreateDirectory(Path.Combine(directory, "cdk.out"));
        Write(Path.Combine("cdk.out", "manifest.json"), "{\"version\": \"38.0.0\", \"artifacts\": {\"S\": {\"type\": \"aws:cloudformation:stack\", \"properties\": {\"templateFile\": \"S.template.json\"}}}}");
        Write(Path.Combine("cdk.out", "S.template.json"), "{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}");

        var (exit, output, _) = Run(
            "check", file, Path.Combine(directory, "dir"), Path.Combine(directory, "globbed", "*"), Path.Combine(directory, "cdk.out", "manifest.json"),
            file, "--format", "json");

        using var document = JsonDocument.Parse(output);
        Assert.Equal(6, document.RootElement.GetProperty("templates").GetInt32());
        var finding = Assert.Single(document.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("PF402", finding.GetProperty("ruleId").GetString());
        Assert.EndsWith("d.yaml", finding.GetProperty("template").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, exit);
    }

    [Fact]
    public void An_output_that_cannot_be_written_exits_73_with_one_line_not_a_stack_trace()
    {
        var template = Write("a.yaml", Failing);
        var blocker = Write("blocker", "a file, so nothing can be created under it");

        foreach (var target in new[] { directory, Path.Combine(blocker, "report.json") })
        {
            var (exit, output, error) = Run("check", template, "--output", target);

            Assert.Equal(Cli.CannotWriteExitCode, exit);
            Assert.Empty(output);
            Assert.StartsWith($"preflight: cannot write {target}: ", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }

        var (docsExit, _, docsError) = Run("docs", Path.Combine(blocker, "rules"));
        Assert.Equal(Cli.CannotWriteExitCode, docsExit);
        Assert.StartsWith("preflight: cannot write ", docsError, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_command_lists_every_rule()
    {
        var (exit, output, _) = Run("rules");
        Assert.Equal(0, exit);
        Assert.Equal(Payments.Preflight.Rules.RuleCatalog.AllDescriptors.Count(), output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = Cli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
