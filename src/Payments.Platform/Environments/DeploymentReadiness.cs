namespace Payments.Platform.Environments;

/// <summary>Configuration an environment needs before it may be deployed is missing (see <see cref="DeploymentReadiness"/>).</summary>
public sealed class DeploymentConfigurationException(string message) : Exception(message);

/// <summary>
/// What an environment needs before it is deployed, checked before anything is built: prod serves HTTPS
/// (<see cref="EnvironmentConfig.RequiresCertificate"/>), and an HTTPS test listener needs the certificate
/// name the pre-traffic hook verifies. A synth for deployment fails on a gap; a review synth only warns
/// (the constructs annotate it), so the README's <c>cdk synth</c> and the test command run anywhere.
/// </summary>
public static class DeploymentReadiness
{
    /// <summary>Where the pipeline reads production configuration: the repository's <c>cdk.json</c> context.</summary>
    public const string ConfigurationFile = "cdk.json";

    public static IReadOnlyList<string> Gaps(IEnumerable<EnvironmentConfig> environments, IReadOnlyDictionary<string, string> testTlsHosts)
    {
        ArgumentNullException.ThrowIfNull(environments);
        ArgumentNullException.ThrowIfNull(testTlsHosts);
        var gaps = new List<string>();
        foreach (var env in environments)
        {
            if (env.RequiresCertificate && env.CertificateArn is null)
            {
                gaps.Add($"{env.Name} has no certificate (context certificateArn:{env.Name}): its load balancer would serve plain HTTP");
            }
            if (env.CertificateArn is not null && !testTlsHosts.ContainsKey(env.Name))
            {
                gaps.Add($"{env.Name} serves HTTPS but has no testTlsHost:{env.Name} (a name on the certificate): every pre-traffic hook would fail TLS verification and roll back");
            }
        }
        return gaps;
    }

    /// <summary>Throws for a deployment synth with gaps; otherwise writes each gap to <paramref name="log"/> as a warning.</summary>
    /// <exception cref="DeploymentConfigurationException">A synth for deployment of an environment with a gap.</exception>
    public static void Check(IEnumerable<EnvironmentConfig> environments, IReadOnlyDictionary<string, string> testTlsHosts, bool forDeployment, TextWriter? log = null)
    {
        var gaps = Gaps(environments, testTlsHosts);
        if (!forDeployment)
        {
            foreach (var gap in gaps)
            {
                log?.WriteLine($"warning: REVIEW ONLY, not deployable: {gap} (a synth with -c deploy=true fails)");
            }
            return;
        }
        if (gaps.Count > 0)
        {
            throw new DeploymentConfigurationException(
                $"refusing to synthesize for deployment: {string.Join("; ", gaps)}. " +
                $"Commit the values in the \"context\" of {ConfigurationFile} (the pipeline synthesizes from the repository), " +
                "or pass -c certificateArn:<env>=<ACM certificate ARN> -c testTlsHost:<env>=<name on it> to cdk deploy; " +
                "synthesize only the environments you deploy with -c environments=<names>.");
        }
    }
}
