using System.Text.Json;
using System.Text.RegularExpressions;
using Payments.Api.Hosting;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// No Docker engine runs here, so the image is checked by reading its Dockerfile: the properties
/// the platform and the security review depend on must not drift.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string DockerfilePath = Path.Combine(Repository.Root, "src", "Payments.Api", "Dockerfile");
    private static readonly IReadOnlyList<Instruction> Instructions = Parse(File.ReadAllText(DockerfilePath));

    [Fact]
    public void Is_multi_stage_sdk_build_then_aspnet_runtime_with_pinned_patch_tags()
    {
        var froms = Instructions.Where(i => i.Keyword == "FROM").Select(i => Resolve(ImageOf(i))).ToList();

        Assert.True(froms.Count >= 2, "expected a build stage and a runtime stage");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0.", froms[0], StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0.", froms[^1], StringComparison.Ordinal);
        Assert.All(froms, image => Assert.Matches(@":\d+\.\d+\.\d+", image));
        Assert.Contains(RuntimeStage(), i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build", StringComparison.Ordinal));
    }

    [Fact]
    public void Runs_as_the_non_root_app_user()
    {
        var user = Assert.Single(RuntimeStage(), i => i.Keyword == "USER").Arguments;

        Assert.True(user is "$APP_UID" or "${APP_UID}" || (int.TryParse(user, out var uid) && uid > 0), $"USER {user} is not a non-root uid");
        Assert.DoesNotContain(RuntimeStage().SkipWhile(i => i.Keyword != "USER"), i => i.Keyword == "USER" && i.Arguments is "root" or "0");
    }

    [Fact]
    public void Listens_on_the_service_contract_port()
    {
        var runtime = RuntimeStage();

        Assert.Equal(ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(runtime, i => i.Keyword == "EXPOSE").Arguments);
        Assert.Equal(ServiceContract.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), EnvironmentOf(runtime)["ASPNETCORE_HTTP_PORTS"]);
    }

    [Fact]
    public void Entrypoint_runs_the_service_dll_in_exec_form()
    {
        var entrypoint = Assert.Single(RuntimeStage(), i => i.Keyword == "ENTRYPOINT").Arguments;
        var argv = JsonSerializer.Deserialize<string[]>(entrypoint)!;

        Assert.Equal(["dotnet", typeof(Program).Assembly.GetName().Name + ".dll"], argv);
    }

    [Fact]
    public void Restore_runs_on_the_build_files_alone_before_the_sources_are_copied()
    {
        var build = Instructions.TakeWhile(i => i != Instructions.Where(x => x.Keyword == "FROM").ElementAt(1)).ToList();
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var sources = build.FindIndex(i => i.Keyword == "COPY" && i.Arguments.StartsWith("src/Payments.Api/ ", StringComparison.Ordinal));

        Assert.True(restore > 0 && sources > restore, "dotnet restore must come before the sources are copied");
        var copiedBeforeRestore = string.Join(' ', build.Take(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments));
        foreach (var file in new[] { "global.json", "nuget.config", "Directory.Build.props", "Directory.Packages.props", "src/Payments.Api/Payments.Api.csproj" })
        {
            Assert.Contains(file, copiedBeforeRestore, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(Repository.Root, file)), $"{file} is copied but does not exist");
        }
    }

    [Fact]
    public void Publishes_ReadyToRun_for_one_runtime_restored_for_the_same_runtime()
    {
        var build = Instructions.TakeWhile(i => i != Instructions.Where(x => x.Keyword == "FROM").ElementAt(1)).ToList();
        var restore = Assert.Single(build, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal)).Arguments;
        var publish = Assert.Single(build, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;

        // A publish for a runtime identifier is what turns ReadyToRun on (Payments.Api.csproj); the
        // restore must name the same one, or publish --no-restore fails (NETSDK1047).
        var runtime = RuntimeArgument().Match(publish);
        Assert.True(runtime.Success, $"dotnet publish names no runtime (-r <rid> or -a <arch>): {publish}");
        Assert.Contains(runtime.Value, restore, StringComparison.Ordinal);
        Assert.Contains("--self-contained false", publish, StringComparison.Ordinal);
        Assert.Contains(build, i => i.Keyword == "ARG" && i.Arguments == "TARGETARCH");

        var project = System.Xml.Linq.XDocument.Load(Path.Combine(Repository.Root, "src", "Payments.Api", "Payments.Api.csproj"));
        var readyToRun = Assert.Single(project.Descendants("PublishReadyToRun"));
        Assert.Equal("true", readyToRun.Value);
        Assert.Contains("RuntimeIdentifier", readyToRun.Attribute("Condition")?.Value ?? string.Empty, StringComparison.Ordinal);
        // Quick JIT off would compile every non-precompiled method once, without dynamic PGO, for good
        // (10-25% more CPU per create at c=16, docs/api.md).
        Assert.Empty(project.Descendants("TieredCompilationQuickJit"));
        Assert.DoesNotContain(project.Descendants("TieredPGO"), e => e.Value == "false");
    }

    [Fact]
    public void Every_writable_path_the_service_uses_is_under_a_declared_volume()
    {
        var runtime = RuntimeStage();
        var volumes = runtime.Where(i => i.Keyword == "VOLUME")
            .SelectMany(i => JsonSerializer.Deserialize<string[]>(i.Arguments)!)
            .ToList();
        var environment = EnvironmentOf(runtime);

        Assert.Contains("/tmp", volumes);
        var sqlitePath = environment["ConnectionStrings__Payments"].Replace("Data Source=", string.Empty, StringComparison.Ordinal);
        Assert.Contains(volumes, v => sqlitePath.StartsWith(v + "/", StringComparison.Ordinal));
        Assert.Contains(volumes, v => environment["Payments__TransactionLog__Directory"].StartsWith(v + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void Has_no_healthcheck_that_needs_a_tool_the_image_lacks()
    {
        foreach (var healthcheck in Instructions.Where(i => i.Keyword == "HEALTHCHECK"))
        {
            Assert.DoesNotMatch("curl|wget", healthcheck.Arguments);
        }
    }

    [Fact]
    public void The_build_context_excludes_build_outputs_and_dependencies()
    {
        var ignored = File.ReadAllLines(Path.Combine(Repository.Root, ".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();

        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("node_modules/", ignored);
        Assert.Contains(".git/", ignored);
        Assert.DoesNotContain(ignored, l => l is "src/" or "src" or "*.props" or "global.json" or "nuget.config" or ".editorconfig");
    }

    [Fact]
    public void The_build_stage_runs_on_the_build_host_and_the_runtime_stage_on_the_target()
    {
        var froms = Instructions.Where(i => i.Keyword == "FROM").ToList();

        // The SDK cross-publishes for TARGETARCH, so it need not run emulated; the runtime stage must
        // not pin a platform, or the image would not be for the platform the build asks for.
        Assert.StartsWith("--platform=$BUILDPLATFORM ", froms[0].Arguments, StringComparison.Ordinal);
        Assert.DoesNotContain("--platform", froms[^1].Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Builds_with_the_builders_own_frontend_so_CodeBuild_pulls_nothing_from_Docker_Hub()
    {
        // A `# syntax=` parser directive makes BuildKit pull that frontend image first (Docker Hub rate
        // limits in CodeBuild). Directives are only the leading `# name=value` lines.
        var directives = File.ReadLines(DockerfilePath)
            .Select(line => ParserDirective().Match(line))
            .TakeWhile(match => match.Success)
            .Select(match => match.Groups["name"].Value.ToLowerInvariant())
            .ToList();
        Assert.DoesNotContain("syntax", directives);

        // So only flags the built-in frontend of Docker 23+ knows (BuildKit, dockerfile 1.4 or later).
        var known = new Dictionary<string, string[]>
        {
            ["FROM"] = ["--platform"],
            ["RUN"] = ["--mount", "--network"],
            ["COPY"] = ["--from", "--chown", "--chmod", "--link"],
            ["ADD"] = ["--chown", "--chmod", "--link", "--checksum"],
        };
        string[] mountTypes = ["cache", "bind", "secret", "ssh", "tmpfs"];
        foreach (var instruction in Instructions)
        {
            foreach (var flag in instruction.Arguments.Split(' ').TakeWhile(part => part.StartsWith("--", StringComparison.Ordinal)))
            {
                var name = flag.Split('=')[0];
                Assert.True(known.TryGetValue(instruction.Keyword, out var flags) && flags.Contains(name), $"{instruction.Keyword} {flag}: not a flag of the built-in frontend");
                if (name == "--mount")
                {
                    var type = flag["--mount=".Length..].Split(',').Select(option => option.Split('=')).Single(pair => pair[0] == "type")[1];
                    Assert.Contains(type, mountTypes);
                }
            }
        }
        Assert.Contains(Instructions, i => i.Keyword == "RUN" && i.Arguments.StartsWith("--mount=type=cache", StringComparison.Ordinal));
    }

    /// <summary>The image of a FROM, past its flags (<c>--platform=…</c>).</summary>
    private static string ImageOf(Instruction from) =>
        from.Arguments.Split(' ').First(part => !part.StartsWith("--", StringComparison.Ordinal));

    private static List<Instruction> RuntimeStage()
    {
        var lastFrom = Instructions.Select((instruction, index) => (instruction, index)).Last(p => p.instruction.Keyword == "FROM").index;
        return Instructions.Skip(lastFrom).ToList();
    }

    private static Dictionary<string, string> EnvironmentOf(IEnumerable<Instruction> stage)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in stage.Where(i => i.Keyword == "ENV"))
        {
            foreach (Match pair in EnvPair().Matches(env.Arguments))
            {
                environment[pair.Groups["key"].Value] = pair.Groups["value"].Value.Trim('"');
            }
        }

        return environment;
    }

    private static string Resolve(string image)
    {
        var match = ArgReference().Match(image);
        if (!match.Success)
        {
            return image;
        }

        var arg = Instructions.First(i => i.Keyword == "ARG" && i.Arguments.StartsWith(match.Groups["name"].Value + "=", StringComparison.Ordinal));
        return arg.Arguments[(match.Groups["name"].Value.Length + 1)..];
    }

    /// <summary>Instructions with line continuations joined and comments dropped.</summary>
    private static List<Instruction> Parse(string dockerfile)
    {
        var instructions = new List<Instruction>();
        var current = string.Empty;
        foreach (var rawLine in dockerfile.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            current += line;
            if (!string.IsNullOrWhiteSpace(current))
            {
                var trimmed = current.Trim();
                var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(new Instruction(trimmed[..space].ToUpperInvariant(), Regex.Replace(trimmed[(space + 1)..].Trim(), @"\s+", " ")));
            }

            current = string.Empty;
        }

        return instructions;
    }

    [GeneratedRegex(@"(?<= )(-r|--runtime|-a|--arch) (""[^""]+""|[^ ]+)")]
    private static partial Regex RuntimeArgument();

    [GeneratedRegex(@"^#\s*(?<name>[A-Za-z][A-Za-z0-9]*)\s*=\s*\S")]
    private static partial Regex ParserDirective();

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)\}")]
    private static partial Regex ArgReference();

    [GeneratedRegex("(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\"[^\"]*\"|[^ ]+)")]
    private static partial Regex EnvPair();

    private sealed record Instruction(string Keyword, string Arguments);
}
