using System.Reflection;

namespace Payments.FaultTests.Infrastructure;

/// <summary>The built service the fault tests run, exactly the file production runs.</summary>
internal static class BuiltService
{
    private static string Configuration { get; } =
        typeof(BuiltService).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ServiceConfiguration")?.Value ?? "Release";

    public static string Dll
    {
        get
        {
            // PAYMENTS_FAULT_SERVICE_DLL runs the fault tests against another build of the service (an older release, a container's copy).
            var path = Environment.GetEnvironmentVariable("PAYMENTS_FAULT_SERVICE_DLL") is { Length: > 0 } other
                ? other
                : Repository.PathOf("src", "Payments.Api", "bin", Configuration, "net10.0", "Payments.Api.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"the service is not built at {path}; run `dotnet build src/Payments.Api -c {Configuration}` first", path);
            }

            return path;
        }
    }
}
