using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;

namespace Payments.Verification;

/// <summary>
/// <c>Payments.Verification [--outputs cfn-outputs/flat-outputs.json] [--tls-host NAME] [--s3-endpoint URL]
/// [--log-timeout SECONDS]</c> with the verification merchant's key in <c>PAYMENTS_VERIFY_API_KEY</c>.
/// Exit code 0: every check passed; 1: a check failed; 2: it could not start (usage, outputs, key).
/// </summary>
internal static class VerificationProgram
{
    public const string ApiKeyVariable = "PAYMENTS_VERIFY_API_KEY";
    public const string TlsHostVariable = "PAYMENTS_VERIFY_TLS_HOST";
    public const string S3EndpointVariable = "PAYMENTS_VERIFY_S3_ENDPOINT";
    public const int Failed = 1;
    public const int CannotStart = 2;

    private const string Usage =
        "usage: Payments.Verification [--outputs <flat-outputs.json>] [--tls-host <name on the certificate>] [--s3-endpoint <url>] [--log-timeout <seconds>]\n"
        + $"       the verification merchant's API key in {ApiKeyVariable}";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        Options options;
        DeploymentOutputs outputs;
        try
        {
            options = Options.Parse(args, environment);
            outputs = DeploymentOutputs.Load(options.OutputsPath);
        }
        catch (Exception error) when (error is OutputsException or ArgumentException)
        {
            await errors.WriteLineAsync($"post-deploy verification: {error.Message}");
            if (error is ArgumentException)
            {
                await errors.WriteLineAsync(Usage);
            }
            return CannotStart;
        }

        var runId = $"verify_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..8]}";
        await output.WriteLineAsync($"post-deploy verification {runId} of {outputs.ApiUrl} (outputs {options.OutputsPath}{(options.TlsHost is null ? "" : $", TLS name {options.TlsHost}")})");
        AmazonS3Client s3;
        try
        {
            s3 = CreateS3Client(options.S3Endpoint, environment);
        }
        catch (ArgumentException error)
        {
            await errors.WriteLineAsync($"post-deploy verification: {error.Message}");
            return CannotStart;
        }
        using var s3Client = s3;
        using var api = new PaymentsClient(outputs.ApiUrl, options.ApiKey, options.TlsHost, TimeSpan.FromSeconds(15));
        var runner = new CheckRunner(output);
        var log = new TransactionLogReader(s3, outputs.TransactionLogBucketName, outputs.TransactionLogPrefix);
        await new PostDeploySuite(api, log, runner, options.LogTimeout, runId).RunAsync(cancellationToken);
        await output.WriteLineAsync(runner.Summary());
        return runner.ExitCode == 0 ? 0 : Failed;
    }

    private static AmazonS3Client CreateS3Client(Uri? endpoint, Func<string, string?> environment)
    {
        if (endpoint is null)
        {
            // Region and credentials from the SDK's default chain (the CodeBuild role, a profile).
            return new AmazonS3Client();
        }
        // An S3-compatible store (s3rver in the local run): its keys from the usual variables, path-style, and
        // checksums only where required because such stores do not return them.
        var (accessKey, secretKey) = (environment("AWS_ACCESS_KEY_ID"), environment("AWS_SECRET_ACCESS_KEY"));
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            throw new ArgumentException($"an S3 endpoint ({endpoint}) needs its keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        }
        return new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    internal sealed record Options(string OutputsPath, string ApiKey, string? TlsHost, Uri? S3Endpoint, TimeSpan LogTimeout)
    {
        public static Options Parse(IReadOnlyList<string> args, Func<string, string?> environment)
        {
            var outputs = DeploymentOutputs.DefaultPath;
            var tlsHost = NonEmpty(environment(TlsHostVariable));
            var s3Endpoint = NonEmpty(environment(S3EndpointVariable));
            var logTimeout = TimeSpan.FromSeconds(180);
            for (var i = 0; i < args.Count; i++)
            {
                string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--outputs":
                        outputs = Value();
                        break;
                    case "--tls-host":
                        tlsHost = NonEmpty(Value());
                        break;
                    case "--s3-endpoint":
                        s3Endpoint = NonEmpty(Value());
                        break;
                    case "--log-timeout":
                        var text = Value();
                        logTimeout = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 3600
                            ? TimeSpan.FromSeconds(seconds)
                            : throw new ArgumentException($"--log-timeout must be 1..3600 seconds, got '{text}'");
                        break;
                    default:
                        throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }
            var apiKey = NonEmpty(environment(ApiKeyVariable))
                ?? throw new ArgumentException($"{ApiKeyVariable} is not set: the verification merchant's API key (buildspecs/scripts/verify-deployment.sh reads it from the secret in the VerificationMerchantSecretArn output)");
            Uri? endpoint = null;
            if (s3Endpoint is not null && (!Uri.TryCreate(s3Endpoint, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            {
                throw new ArgumentException($"the S3 endpoint must be an http(s) URL, got '{s3Endpoint}'");
            }
            return new Options(outputs, apiKey, tlsHost, endpoint, logTimeout);
        }

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
