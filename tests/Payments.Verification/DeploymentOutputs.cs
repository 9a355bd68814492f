using System.Text.Json;

namespace Payments.Verification;

/// <summary>
/// The stack outputs the suite needs, read from the flat <c>{ "OutputKey": "value" }</c> file that
/// <c>flat-outputs</c> writes (<c>cfn-outputs/flat-outputs.json</c>).
/// </summary>
internal sealed record DeploymentOutputs(Uri ApiUrl, string TransactionLogBucketName, string TransactionLogPrefix)
{
    public const string DefaultPath = "cfn-outputs/flat-outputs.json";
    public const string ApiUrlKey = "ApiUrl";
    public const string BucketKey = "TransactionLogBucketName";
    public const string PrefixKey = "TransactionLogPrefix";

    private static readonly string[] RequiredKeys = [ApiUrlKey, BucketKey, PrefixKey];

    public static DeploymentOutputs Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OutputsException(
                $"{path} does not exist: write it for a deployed environment with src/Payments.Platform/flat-outputs.sh <env> {path}");
        }
        return Parse(json, path);
    }

    public static DeploymentOutputs Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException error)
        {
            throw new OutputsException($"{source} is not JSON ({error.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new OutputsException($"{source} must be one flat JSON object of output keys and string values, found a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var problems = new List<string>();
            foreach (var key in RequiredKeys)
            {
                if (!document.RootElement.TryGetProperty(key, out var value))
                {
                    problems.Add($"'{key}' is missing");
                }
                else if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    problems.Add($"'{key}' must be a non-empty string (found {value.GetRawText()})");
                }
                else
                {
                    values[key] = value.GetString()!;
                }
            }
            if (values.TryGetValue(ApiUrlKey, out var url)
                && (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
            {
                problems.Add($"'{ApiUrlKey}' must be an http(s) URL (found '{url}')");
            }
            if (problems.Count > 0)
            {
                var present = string.Join(", ", document.RootElement.EnumerateObject().Select(p => p.Name));
                throw new OutputsException(
                    $"{source}: {string.Join("; ", problems)} (keys present: {(present.Length == 0 ? "none" : present)}); "
                    + "is this the platform stack's outputs of a deployed environment?");
            }
            return new DeploymentOutputs(new Uri(values[ApiUrlKey]), values[BucketKey], values[PrefixKey]);
        }
    }
}

/// <summary>The outputs file is missing or unusable: no check can run.</summary>
internal sealed class OutputsException(string message) : Exception(message);
