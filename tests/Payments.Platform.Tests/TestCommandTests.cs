namespace Payments.Platform.Tests;

/// <summary>
/// scripts/test.sh, the one test command, run in a scratch copy of its layout with every tool it calls
/// (npm, dotnet, npx, cfn-lint, node, chromium, pg.sh, the local verification) replaced by a recording stub.
/// </summary>
public sealed class TestCommandTests : IDisposable
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("test-command-");

    public void Dispose() => scratch.Delete(recursive: true);

    [Fact]
    public async Task Node_gets_every_test_file_by_name_and_never_a_folder()
    {
        // Node >= 21 globs --test arguments and runs a bare directory as a module (MODULE_NOT_FOUND,
        // nodejs/node#64555); only Node 20 still searched it, and GitHub CI runs Node 22.
        var root = scratch.CreateSubdirectory("repo").FullName;
        var stubs = scratch.CreateSubdirectory("bin").FullName;
        var calls = Path.Combine(scratch.FullName, "calls.log");
        Directory.CreateDirectory(Path.Combine(root, "scripts"));
        File.Copy(Repository.PathOf("scripts", "test.sh"), Path.Combine(root, "scripts", "test.sh"));
        var nodeTests = Directory.GetFiles(Repository.PathOf("src", "Payments.Platform", "Lambda"), "*.test.js", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Repository.PathOf("scripts"), "*.test.js"))
            .Select(file => Path.GetRelativePath(Repository.Root, file))
            .ToList();
        Assert.True(nodeTests.Count(t => t.StartsWith("src", StringComparison.Ordinal)) >= 2, "the hook and the watchdog have node tests");
        foreach (var test in nodeTests)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, test))!);
            File.WriteAllText(Path.Combine(root, test), "");
        }

        Stub(Path.Combine(root, "scripts"), "pg.sh", "[ \"$1\" = start ] && echo 'Host=127.0.0.1;Port=1;Username=postgres;Database=postgres'; exit 0");
        Directory.CreateDirectory(Path.Combine(root, "tests", "Payments.Verification"));
        Stub(Path.Combine(root, "tests", "Payments.Verification"), "run-local.sh", "exit 0");
        foreach (var tool in new[] { "npm", "dotnet", "npx", "cfn-lint", "chromium" })
        {
            Stub(stubs, tool, $"echo \"{tool} $*\" >> '{calls}'; exit 0");
        }
        // node --test answers like the real runner's TAP summary; other node calls (cdk-nag) just succeed.
        Stub(stubs, "node", $"echo \"node $*\" >> '{calls}'; if [ \"$1\" = --test ]; then echo '# pass '$(($# - 1)); echo '# fail 0'; fi; exit 0");

        var result = await CommandRunner.RunAsync("bash", [Path.Combine(root, "scripts", "test.sh")], TimeSpan.FromMinutes(2), root,
            environment: new Dictionary<string, string> { ["PATH"] = $"{stubs}:{Environment.GetEnvironmentVariable("PATH")}" });

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var invocation = Assert.Single(File.ReadAllLines(calls), line => line.StartsWith("node --test", StringComparison.Ordinal));
        var arguments = invocation["node --test".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(arguments, argument => Assert.True(File.Exists(Path.Combine(root, argument)), $"node --test got '{argument}', not a test file"));
        Assert.Equal(nodeTests.Order(), arguments.Order());
        Assert.Matches(@"(?m)^\d+ passed, 0 failed$", result.StandardOutput);
    }

    private static void Stub(string directory, string name, string body)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        // The test command is a bash script: Linux and macOS only.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
