namespace Payments.Platform.Tests.Delivery;

/// <summary>Runs one of the repository's Node scripts (or any executable) from the repository root, the way CodeBuild runs it.</summary>
internal static class NodeScript
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static Task<CommandRunner.Result> RunAsync(string script, IEnumerable<string> arguments, string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null) =>
        RunProcessAsync("node", [Path.Combine(Repository.Root, script), .. arguments], standardInput, environment);

    /// <summary>Any executable, from the repository root.</summary>
    public static Task<CommandRunner.Result> RunProcessAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null) =>
        CommandRunner.RunAsync(fileName, arguments, Timeout, Repository.Root, standardInput, environment);
}
