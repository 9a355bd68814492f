using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Platform.Outputs;

/// <summary>
/// Turns a deployed environment's stack outputs into one flat <c>{ "OutputKey": "value" }</c> object
/// (<c>cfn-outputs/flat-outputs.json</c>), the file integration tests read. Accepts either
/// <c>aws cloudformation describe-stacks</c> JSON or a <c>cdk deploy --outputs-file</c> file.
/// </summary>
public static class FlatOutputs
{
    public const string DefaultPath = "cfn-outputs/flat-outputs.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static SortedDictionary<string, string> Flatten(string json, string environment)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException error)
        {
            throw new FormatException($"outputs input is not JSON: {error.Message}", error);
        }
        var prefix = $"payments-{environment}-";
        var stacks = new List<(string Stack, IEnumerable<(string Key, string Value)> Outputs)>();
        if (root is JsonObject { } obj && obj["Stacks"] is JsonArray described)
        {
            foreach (var stack in described.OfType<JsonObject>())
            {
                var name = stack["StackName"]?.GetValue<string>() ?? "";
                var outputs = (stack["Outputs"] as JsonArray ?? [])
                    .OfType<JsonObject>()
                    .Select(o => (o["OutputKey"]!.GetValue<string>(), o["OutputValue"]?.GetValue<string>() ?? ""));
                stacks.Add((name, outputs));
            }
        }
        else if (root is JsonObject cdkOutputs)
        {
            foreach (var (name, outputs) in cdkOutputs)
            {
                if (outputs is not JsonObject values)
                {
                    throw new FormatException($"outputs of stack '{name}' are not an object");
                }
                stacks.Add((name, values.Select(v => (v.Key, v.Value?.GetValue<string>() ?? ""))));
            }
        }
        else
        {
            throw new FormatException("expected describe-stacks JSON ({\"Stacks\": [...]}) or a cdk --outputs-file object");
        }

        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var matched = 0;
        foreach (var (stack, outputs) in stacks.Where(s => s.Stack.StartsWith(prefix, StringComparison.Ordinal)))
        {
            matched++;
            foreach (var (key, value) in outputs)
            {
                if (flat.TryGetValue(key, out var existing) && existing != value)
                {
                    throw new InvalidOperationException($"output '{key}' has two values in {environment} ('{existing}', '{value}' from {stack})");
                }
                flat[key] = value;
            }
        }
        if (matched == 0)
        {
            throw new InvalidOperationException($"no deployed stack named '{prefix}*' in the input (found: {string.Join(", ", stacks.Select(s => s.Stack))})");
        }
        return flat;
    }

    /// <summary>CLI: <c>flat-outputs &lt;env&gt; &lt;input.json|-&gt; [output]</c>. Returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count is < 2 or > 3)
        {
            stderr.WriteLine("usage: flat-outputs <env> <describe-stacks.json | cdk-outputs.json | -> [output, default cfn-outputs/flat-outputs.json]");
            return 2;
        }
        try
        {
            var json = args[1] == "-" ? stdin.ReadToEnd() : File.ReadAllText(args[1]);
            var flat = Flatten(json, args[0]);
            var output = args.Count == 3 ? args[2] : DefaultPath;
            var directory = Path.GetDirectoryName(Path.GetFullPath(output));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            File.WriteAllText(output, JsonSerializer.Serialize(flat, Indented) + "\n");
            stdout.WriteLine($"wrote {flat.Count} outputs of {args[0]} to {output}");
            return 0;
        }
        catch (Exception error) when (error is FormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"flat-outputs: {error.Message}");
            return 1;
        }
    }
}
