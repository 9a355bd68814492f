using System.Runtime.CompilerServices;

namespace Payments.TestSupport;

/// <summary>
/// The repository root (where <c>Payments.slnx</c> is). Builds with <c>--artifacts-path</c> put the test
/// binaries outside the checkout, so walking up from them alone is not enough: the search also tries
/// <c>PAYMENTS_REPO_ROOT</c>, the current directory and this source file's path (baked in at compile time).
/// </summary>
public static class Repository
{
    public const string RootVariable = "PAYMENTS_REPO_ROOT";

    private const string Marker = "Payments.slnx";

    public static string Root { get; } = FindRoot(Candidates());

    /// <summary><paramref name="parts"/> joined below the root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static IEnumerable<string> Candidates([CallerFilePath] string sourceFile = "")
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(RootVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            yield return fromEnvironment;
        }

        yield return AppContext.BaseDirectory;
        yield return Environment.CurrentDirectory;
        yield return Path.GetDirectoryName(sourceFile) ?? string.Empty;
    }

    /// <summary>The first directory at or above one of <paramref name="starts"/> (in order) that holds <c>Payments.slnx</c>.</summary>
    public static string FindRoot(IEnumerable<string> starts)
    {
        ArgumentNullException.ThrowIfNull(starts);
        var tried = new List<string>();
        foreach (var start in starts.Where(s => !string.IsNullOrEmpty(s)))
        {
            tried.Add(start);
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, Marker)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"cannot find the repository root ({Marker}) above any of: {string.Join(", ", tried)}; set {RootVariable}");
    }
}
