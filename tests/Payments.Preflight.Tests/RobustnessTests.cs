using System.Text;
using System.Text.Json.Nodes;
using Payments.Preflight.Tests.Corpus;

namespace Payments.Preflight.Tests;

/// <summary>Preflight must turn anything into findings: a varied corpus, large templates, and broken input never crash it.</summary>
public sealed class RobustnessTests : IDisposable
{
    private static readonly PreflightOptions Options = new() { Today = TestTemplates.Today };
    private readonly string directory = Directory.CreateTempSubdirectory("preflight-corpus-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Corpus_of_varied_and_large_templates_runs_without_a_crash()
    {
        var corpus = new TemplateCorpus(seed: 20261123);
        var written = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var (name, text) = corpus.Next(i, blocks: 1 + (i % 8));
            written.Add(Write(name, text));
        }

        for (var i = 60; i < 64; i++)
        {
            var (name, text) = corpus.Next(i, blocks: 120 + (i * 10));
            written.Add(Write(name, text));
        }

        var report = PreflightEngine.Check([directory], Options);

        Assert.Equal(64, report.Templates);
        Assert.DoesNotContain(report.Findings, f => f.RuleId is "PF001" or "PF002" or "PF006");
        Assert.All(report.Findings.Where(f => f.Resource is not null), f => Assert.NotNull(f.Line));
        var rulesHit = report.Findings.Select(f => f.RuleId).Distinct().Count();
        Assert.True(rulesHit >= 25, $"the corpus should exercise most rules, hit {rulesHit}");
        Assert.True(new FileInfo(written[^1]).Length > 200_000, "the corpus includes large templates");
    }

    [Fact]
    public void Truncated_templates_become_findings()
    {
        var corpus = new TemplateCorpus(seed: 7);
        for (var i = 0; i < 20; i++)
        {
            var (name, text) = corpus.Next(i, blocks: 3);
            foreach (var fraction in new[] { 0.1, 0.33, 0.5, 0.77, 0.95 })
            {
                var cut = text[..(int)(text.Length * fraction)];
                var findings = PreflightEngine.CheckText(name, cut, Options);
                Assert.DoesNotContain(findings, f => f.RuleId == "PF006");
                if (name.EndsWith(".json", StringComparison.Ordinal))
                {
                    var parse = Assert.Single(findings, f => f.RuleId == "PF001");
                    Assert.NotNull(parse.Line);
                }
            }
        }
    }

    [Fact]
    public void Wrong_types_everywhere_become_findings_not_crashes()
    {
        var corpus = new TemplateCorpus(seed: 99);
        var random = new Random(5);
        JsonNode[] replacements = [JsonValue.Create("text")!, JsonValue.Create(42)!, JsonValue.Create(true)!, new JsonArray(1, "two"), new JsonObject { ["x"] = new JsonArray() }, new JsonObject { ["Ref"] = new JsonArray() }, new JsonObject { ["Fn::GetAtt"] = "x" }, new JsonObject { ["Fn::Sub"] = new JsonArray(1, 2, 3) }];
        for (var i = 0; i < 40; i++)
        {
            string text;
            do
            {
                (_, text) = corpus.Next(i, blocks: 4);
            }
            while (!text.StartsWith('{'));

            var root = JsonNode.Parse(text)!;
            var nodes = new List<(JsonNode Parent, object Key)>();
            Collect(root, nodes);
            foreach (var (parent, key) in nodes.OrderBy(_ => random.Next()).Take(25))
            {
                var replacement = replacements[random.Next(replacements.Length)].DeepClone();
                if (parent is JsonObject obj)
                {
                    obj[(string)key] = replacement;
                }
                else if (parent is JsonArray array && (int)key < array.Count)
                {
                    array[(int)key] = replacement;
                }
            }

            var findings = PreflightEngine.CheckText($"mutated-{i}.json", root.ToJsonString(), Options);
            Assert.DoesNotContain(findings, f => f.RuleId == "PF006");
        }
    }

    [Theory]
    [InlineData("empty.yaml", "")]
    [InlineData("null.yaml", "~\n")]
    [InlineData("list.json", "[1, 2, 3]")]
    [InlineData("scalar.yaml", "just text")]
    [InlineData("tabs.yaml", "Resources:\n\tBucket: x\n")]
    [InlineData("unknown-tag.yaml", "Resources:\n  B:\n    Type: !Bogus x\n")]
    [InlineData("unknown-alias.yaml", "Resources: *nothing\n")]
    [InlineData("duplicate.json", "{\"Resources\": {\"A\": {\"Type\": \"AWS::S3::Bucket\"}}, \"Resources\": 5}")]
    [InlineData("trailing.json", "{\"Resources\": {}} {}")]
    [InlineData("comment.json", "{ // not JSON\n \"Resources\": {} }")]
    [InlineData("complex-key.yaml", "? [a, b]\n: c\nResources: {}\n")]
    [InlineData("multi-doc.yaml", "Resources:\n  A:\n    Type: AWS::S3::Bucket\n---\nResources: 5\n")]
    public void Odd_inputs_become_findings(string name, string text)
    {
        var findings = PreflightEngine.CheckText(name, text, Options);
        Assert.NotEmpty(findings);
        Assert.DoesNotContain(findings, f => f.RuleId == "PF006");
        Assert.All(findings, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
    }

    [Fact]
    public void Binary_and_non_utf8_files_are_findings()
    {
        var path = Path.Combine(directory, "binary.yaml");
        File.WriteAllBytes(path, [0xFF, 0xFE, 0x00, 0x41, 0xC3, 0x28, 0x0A]);
        var finding = Assert.Single(PreflightEngine.Check([path], Options).Findings);
        Assert.Equal("PF001", finding.RuleId);
    }

    [Fact]
    public void Huge_file_is_refused_with_a_finding()
    {
        var path = Path.Combine(directory, "huge.json");
        using (var stream = File.Create(path))
        {
            stream.SetLength(17L * 1024 * 1024);
        }

        var finding = Assert.Single(PreflightEngine.Check([path], Options).Findings);
        Assert.Equal("PF002", finding.RuleId);
    }

    [Theory]
    [InlineData("deep-arrays.json", 100_000)]
    [InlineData("deep-objects.json", 100_000)]
    [InlineData("deep-flow.yaml", 100_000)]
    [InlineData("deep-block.yaml", 500)]
    public void Deep_nesting_is_a_limit_finding_with_a_line_not_a_stack_overflow(string name, int depth)
    {
        var path = Write(name, Nested(name, depth));
        var finding = Assert.Single(PreflightEngine.Check([path], Options).Findings);
        Assert.Equal("PF002", finding.RuleId);
        Assert.Contains("nests deeper than 100 levels", finding.Message, StringComparison.Ordinal);
        Assert.NotNull(finding.Line);
    }

    [Theory]
    [InlineData("shallow-objects.json")]
    [InlineData("shallow-block.yaml")]
    public void Nesting_within_the_limit_is_read(string name)
    {
        var findings = PreflightEngine.Check([Write(name, Nested(name, 90))], Options).Findings;
        Assert.DoesNotContain(findings, f => f.RuleId is "PF001" or "PF002" or "PF006");
    }

    /// <summary>A template whose one property nests <paramref name="depth"/> levels deep, in the file's syntax.</summary>
    private static string Nested(string name, int depth)
    {
        var text = new StringBuilder();
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            var arrays = name.Contains("arrays", StringComparison.Ordinal);
            text.Append("{\"Resources\": {\"Topic\": {\"Type\": \"AWS::SNS::Topic\", \"Metadata\": {\"Deep\": ");
            for (var i = 0; i < depth; i++)
            {
                text.Append(arrays ? "[" : "{\"a\":\n");
            }

            text.Append('1');
            for (var i = 0; i < depth; i++)
            {
                text.Append(arrays ? ']' : '}');
            }

            return text.Append("}}}}").ToString();
        }

        text.Append("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Deep:");
        if (name.Contains("flow", StringComparison.Ordinal))
        {
            return text.Append(' ').Append('[', depth).Append('1').Append(']', depth).Append('\n').ToString();
        }

        for (var i = 0; i < depth; i++)
        {
            text.Append('\n').Append(' ', 8 + (2 * i)).Append("a:");
        }

        return text.Append(" 1\n").ToString();
    }

    [Fact]
    public void Long_alias_chains_below_the_limit_are_read()
    {
        var text = new StringBuilder("Common: &common { Type: AWS::SNS::Topic }\nResources:\n");
        for (var i = 0; i < 200; i++)
        {
            text.Append("  Topic").Append(i).Append(": *common\n");
        }

        var findings = PreflightEngine.CheckText("aliases.yaml", text.ToString(), Options);
        Assert.DoesNotContain(findings, f => f.RuleId is "PF001" or "PF002");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    into.Add((obj, key));
                    if (value is not null)
                    {
                        Collect(value, into);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    into.Add((array, i));
                    if (array[i] is { } item)
                    {
                        Collect(item, into);
                    }
                }

                break;
        }
    }
}
