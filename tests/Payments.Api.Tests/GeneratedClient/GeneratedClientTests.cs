using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.GeneratedClient;

/// <summary>
/// A client generated from the served document (Kiota, the repository's dotnet tool) runs the README
/// flow on each store. The client is generated and compiled during the test from the document the
/// service serves at that moment, so a document that drifts from the wire fails here.
/// </summary>
public sealed class GeneratedClientTests
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<Assembly>>> Clients = new(StringComparer.Ordinal);

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_client_generated_from_the_served_document_runs_the_readme_flow(StoreKind store)
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(store, ApiFixture.MerchantAOnly());
        using var anonymous = factory.CreateClient();
        var document = await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var client = await Clients.GetOrAdd(Hash(document), _ => new Lazy<Task<Assembly>>(() => GenerateAndCompileAsync(document))).Value;

        var run = client.GetType("Payments.Api.Tests.GeneratedClient.ReadmeFlow", throwOnError: true)!.GetMethod("RunAsync")!;
        await (Task)run.Invoke(null, [factory.Server.CreateHandler(), factory.Server.BaseAddress, ApiFixture.MerchantAKey])!;
        Assert.True(factory.Contract.CheckedResponses >= 11, $"only {factory.Contract.CheckedResponses} responses were checked against the document");
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static async Task<Assembly> GenerateAndCompileAsync(string document)
    {
        var directory = Path.Combine(Path.GetTempPath(), "payments-generated-client", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var documentPath = Path.Combine(directory, "openapi.json");
            await File.WriteAllTextAsync(documentPath, document);
            var output = Path.Combine(directory, "client");
            // The tool is pinned in the repository's manifest; restoring is a no-op once it is installed.
            await DotnetAsync("tool", "restore");
            await DotnetAsync("kiota", "generate", "--language", "CSharp", "--openapi", documentPath, "--output", output,
                "--class-name", "PaymentsClient", "--namespace-name", "Payments.Client", "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning");
            var sources = Directory.EnumerateFiles(output, "*.cs", SearchOption.AllDirectories)
                .Append(Path.Combine(AppContext.BaseDirectory, "GeneratedClient", "ReadmeFlow.cs"))
                .ToList();
            Assert.True(sources.Count > 20, $"kiota generated only {sources.Count - 1} files");
            return Compile(sources);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Assembly Compile(IEnumerable<string> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: ["NET", "NETCOREAPP", "NETCOREAPP3_1_OR_GREATER", "NET5_0_OR_GREATER", "NET8_0_OR_GREATER"]);
        var trees = sources.Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parse, path)).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(group => MetadataReference.CreateFromFile(group.First()));
        var compilation = CSharpCompilation.Create("Payments.GeneratedClient", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20).ToList();
        Assert.True(result.Success, "the generated client does not compile:\n" + string.Join("\n", errors));
        image.Position = 0;
        return new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(image);
    }

    private static async Task DotnetAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KIOTA_TUTORIAL_ENABLED"] = "false";
        start.Environment["KIOTA_CLI_TELEMETRY_OPTOUT"] = "true";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
    }
}
