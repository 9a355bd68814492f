using System.Runtime.CompilerServices;

namespace Payments.Api.Tests.TransactionLog;

/// <summary>Finds the repository root (where <c>Payments.slnx</c> is) from the build output or the source path.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? string.Empty })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Payments.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Payments.slnx) above the test binaries or sources");
    }
}
