using System.Reflection;

namespace Payments.FaultTests.Infrastructure;

/// <summary>Where the repository, the built service and the helper scripts are.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ServiceConfiguration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ServiceConfiguration")?.Value ?? "Release";

    /// <summary>The built service; the fault tests run exactly this file, as production does.</summary>
    public static string ServiceDll
    {
        get
        {
            // PAYMENTS_FAULT_SERVICE_DLL runs the fault tests against another build of the service (an older release, a container's copy).
            var path = Environment.GetEnvironmentVariable("PAYMENTS_FAULT_SERVICE_DLL") is { Length: > 0 } other
                ? other
                : Path.Combine(Root, "src", "Payments.Api", "bin", ServiceConfiguration, "net10.0", "Payments.Api.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"the service is not built at {path}; run `dotnet build src/Payments.Api -c {ServiceConfiguration}` first", path);
            }

            return path;
        }
    }

    public static string PgScript => Path.Combine(Root, "scripts", "pg.sh");

    private static string FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PAYMENTS_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "Payments.slnx")))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Payments.slnx")))
            {
                return dir.FullName;
            }
        }

        // Built with a private --artifacts-path: the checkout the project was built from.
        var builtFrom = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (!string.IsNullOrEmpty(builtFrom) && File.Exists(Path.Combine(builtFrom, "Payments.slnx")))
        {
            return builtFrom;
        }

        throw new InvalidOperationException($"cannot find Payments.slnx above {AppContext.BaseDirectory}; set PAYMENTS_REPO_ROOT");
    }
}
