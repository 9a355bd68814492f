using System.Reflection;
using System.Runtime.CompilerServices;
using Amazon.CDK.AWS.Lambda;
using Payments.Platform.Aspects;

namespace Payments.Platform.Delivery;

/// <summary>
/// The inline Lambda sources under <c>src/Payments.Platform/Lambda/&lt;name&gt;/index.js</c>, the same files
/// the Node tests exercise. Read from the assembly's embedded resources when the project embeds them,
/// else from the source tree this assembly was compiled from.
/// </summary>
public static class LambdaSource
{
    /// <summary>
    /// The runtime of these inline functions: the Node.js floor every Lambda of the app is held to, named
    /// because CDK 2.160 predates Runtime.NODEJS_24_X and nodejs20.x is deprecated (known-facts).
    /// </summary>
    public static Runtime NodeRuntime() =>
        new(NodeRuntimeFloor.Minimum, RuntimeFamily.NODEJS, new LambdaRuntimeProps { SupportsInlineCode = true });

    public static string Read(string functionFolder) => Read(functionFolder, SourceDirectory());

    internal static string Read(string functionFolder, string lambdaDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionFolder);
        var resource = $"Lambda/{functionFolder}/index.js";
        var assembly = typeof(LambdaSource).Assembly;
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.Replace('\\', '/').EndsWith(resource, StringComparison.Ordinal)
            || n.EndsWith($"Lambda.{functionFolder.Replace('-', '_')}.index.js", StringComparison.Ordinal));
        if (name is not null)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        var path = Path.Combine(lambdaDirectory, functionFolder, "index.js");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"lambda source '{resource}' is neither embedded in {assembly.GetName().Name} nor at '{path}'", path);
        }
        return File.ReadAllText(path);
    }

    private static string SourceDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(thisFile)!)!, "Lambda");
}
