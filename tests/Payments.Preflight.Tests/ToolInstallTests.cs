using System.Diagnostics;
using System.Text.Json;

namespace Payments.Preflight.Tests;

/// <summary>
/// The issue asks for preflight to be runnable with `dotnet run --project src/Payments.Preflight -- check …` and as
/// an installable .NET tool. Both are exercised for real: the already-built project is packed (no rebuild), the
/// package installed with `dotnet tool install --tool-path`, and `preflight check` run from there.
/// </summary>
public sealed class ToolInstallTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private const string Template = """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 45
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("preflight-tool-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Packs_installs_as_a_dotnet_tool_and_checks_like_dotnet_run()
    {
        var project = Path.Combine(Repository.Root, "src", "Payments.Preflight");
        var packages = Path.Combine(directory, "nupkg");
        var tools = Path.Combine(directory, "tools");
        var template = Path.Combine(directory, "stack.yaml");
        File.WriteAllText(template, Template);

        // A unique version, so that a package cached by an earlier run can never stand in for this build.
        var version = $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        Dotnet(["pack", project, "-c", Configuration, "--no-build", "-o", packages, $"-p:PackageVersion={version}"], expectedExit: 0);
        Assert.Single(Directory.GetFiles(packages, $"Payments.Preflight.{version}.nupkg"));
        Dotnet(["tool", "install", "--tool-path", tools, "--add-source", packages, "--version", version, "Payments.Preflight"], expectedExit: 0);

        var tool = Path.Combine(tools, OperatingSystem.IsWindows() ? "preflight.exe" : "preflight");
        var installed = Execute(tool, ["check", template, "--format", "json"]);
        Assert.Equal(2, installed.Exit);
        var viaRun = Dotnet(["run", "--project", project, "-c", Configuration, "--no-build", "--", "check", template, "--format", "json"], expectedExit: 2);
        Assert.Equal(viaRun.Output, installed.Output);

        using var report = JsonDocument.Parse(installed.Output);
        Assert.Equal(1, report.RootElement.GetProperty("templates").GetInt32());
        Assert.Equal("PF402", Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray()).GetProperty("ruleId").GetString());

        // A usage error has its own exit code, distinct from the error-finding bit (2) above.
        var usage = Execute(tool, ["check"]);
        Assert.Equal(64, usage.Exit);
        Assert.Contains("usage: preflight check", usage.Error, StringComparison.Ordinal);
        var typo = Execute(tool, ["check", template, "--formt", "json"]);
        Assert.Equal(64, typo.Exit);
        Assert.Contains("unknown option '--formt'", typo.Error, StringComparison.Ordinal);
        Assert.Equal(64, Dotnet(["run", "--project", project, "-c", Configuration, "--no-build", "--", "check", template, "--non-zero-exit-code", "none", "--bogus"], expectedExit: 64).Exit);
    }

    private (int Exit, string Output, string Error) Dotnet(string[] arguments, int expectedExit)
    {
        var result = Execute("dotnet", arguments);
        Assert.True(result.Exit == expectedExit, $"dotnet {string.Join(' ', arguments)} exited {result.Exit}:\n{result.Output}\n{result.Error}");
        return result;
    }

    private (int Exit, string Output, string Error) Execute(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Keep the install out of the shared NuGet cache and the machine's tool manifests.
        start.Environment["NUGET_PACKAGES"] = Path.Combine(directory, "nuget-cache");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish in 3 minutes");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

}
