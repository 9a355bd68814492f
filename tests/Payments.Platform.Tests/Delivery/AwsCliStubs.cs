namespace Payments.Platform.Tests.Delivery;

/// <summary>
/// Stand-ins for the <c>aws</c> and <c>docker</c> CLIs, first on PATH, for running the release scripts as
/// CodeBuild runs them. Both record every call; ECR keeps state in a file (a <c>docker push</c> or an
/// <c>ecr put-image</c> creates the tag that a later <c>describe-images</c> finds). A scenario is set with
/// environment variables: <c>EXISTING_IMAGES</c> ("repository:tag=digest ..."), <c>DESCRIBE_IMAGES_ERROR</c>
/// (the stderr of a failing describe-images), <c>SCAN_REPORT</c> (a describe-image-scan-findings file),
/// <c>STACKS_WITHOUT_OUTPUT</c>, <c>PUT_IMAGE_ERROR</c>.
/// </summary>
internal sealed class AwsCliStubs
{
    public const string Account = "111111111111";
    public const string Registry = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
    public const string BuiltDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    public const string Manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:c0"},"layers":[]}""";

    private const string Described = """
        {"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:111111111111:task-definition/FAMILY:7", "family": "FAMILY", "revision": 7,
         "status": "ACTIVE", "networkMode": "awsvpc", "cpu": "256", "memory": "512", "requiresCompatibilities": ["FARGATE"],
         "containerDefinitions": [{"name": "api", "image": "FROM_STACK", "portMappings": [{"containerPort": 8080}]}]}, "tags": []}
        """;

    private readonly string work;

    public AwsCliStubs(string work)
    {
        this.work = work;
        Bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
        File.WriteAllText(Images, "");
        // Reads its stdin for `login --password-stdin`, like the real CLI: a stand-in that does not would
        // make `aws ecr get-login-password | docker login` fail with SIGPIPE under pipefail at random.
        Write("docker", $$"""
            #!/usr/bin/env bash
            echo "docker $*" >> {{CallLog}}
            case "$1" in
              login) cat > /dev/null ;;
              push) echo "${2#*/}={{BuiltDigest}}" >> {{Images}} ;;
            esac
            """);
        Write("aws", $$"""
            #!/usr/bin/env bash
            echo "aws $*" >> {{CallLog}}
            repo=""; tag=""; query=""; manifest=""
            args=("$@")
            for ((i = 0; i < ${#args[@]}; i++)); do
              case "${args[i]}" in
                --repository-name) repo="${args[i+1]}" ;;
                --image-ids|--image-id) tag="${args[i+1]#imageTag=}" ;;
                --image-tag) tag="${args[i+1]}" ;;
                --query) query="${args[i+1]}" ;;
                --image-manifest) manifest="${args[i+1]#file://}" ;;
              esac
            done
            digest_of() { # repository:tag -> digest, from the scenario and from what was pushed
              for entry in $EXISTING_IMAGES $(cat {{Images}}); do
                [ "${entry%%=*}" = "$1" ] && { echo "${entry#*=}"; return 0; }
              done
              return 1
            }
            case "$1 $2" in
              "ecr get-login-password") echo secret ;;
              "ecr describe-images")
                if [ -n "$DESCRIBE_IMAGES_ERROR" ]; then echo "$DESCRIBE_IMAGES_ERROR" >&2; exit 254; fi
                if digest=$(digest_of "$repo:$tag"); then
                  if [ -n "$query" ]; then echo "$digest"; else echo "{\"imageDetails\":[{\"imageDigest\":\"$digest\"}]}"; fi
                else
                  echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageTag:'$tag'} does not exist within the repository with name '$repo'" >&2
                  exit 254
                fi ;;
              "ecr wait") ;;
              "ecr describe-image-scan-findings")
                if [ -n "$SCAN_REPORT" ]; then cat "$SCAN_REPORT"; else
                  echo "{\"repositoryName\":\"$repo\",\"imageId\":{\"imageTag\":\"$tag\"},\"imageScanStatus\":{\"status\":\"COMPLETE\"},\"imageScanFindings\":{\"findings\":[],\"findingSeverityCounts\":{} } }"
                fi ;;
              "ecr batch-get-image")
                digest=$(digest_of "$repo:$tag") || { echo '{"images":[],"failures":[{"failureCode":"ImageNotFound"}]}'; exit 0; }
                node -e 'console.log(JSON.stringify({images: [{repositoryName: process.argv[1], imageId: {imageTag: process.argv[2], imageDigest: process.argv[3]}, imageManifest: process.argv[4], imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json"}]}))' "$repo" "$tag" "$digest" '{{Manifest}}' ;;
              "ecr put-image")
                if [ -n "$PUT_IMAGE_ERROR" ]; then echo "$PUT_IMAGE_ERROR" >&2; exit 254; fi
                cp "$manifest" {{PutManifestPath}}
                if digest_of "$repo:$tag" > /dev/null; then
                  echo "An error occurred (ImageAlreadyExistsException) when calling the PutImage operation" >&2; exit 254
                fi
                echo "$repo:$tag={{BuiltDigest}}" >> {{Images}} ;;
              "cloudformation describe-stacks")
                stack="$4"; for missing in $STACKS_WITHOUT_OUTPUT; do [ "$missing" = "$stack" ] && { echo None; exit 0; }; done
                echo "arn:aws:ecs:eu-west-1:111111111111:task-definition/${stack%-platform}-api:7" ;;
              "ecs describe-task-definition")
                family="${4##*/}"; family="${family%%:*}"
                echo '{{Described.Replace("\n", " ", StringComparison.Ordinal)}}' | sed "s/FAMILY/$family/g" ;;
              *) echo "unexpected aws call $*" >&2; exit 1 ;;
            esac
            """);
    }

    public string Bin { get; }

    private string PutManifestPath => Path.Combine(work, "put-manifest.json");

    private string CallLog => Path.Combine(work, "calls.log");

    private string Images => Path.Combine(work, "images.txt");

    /// <summary>The manifest the last <c>ecr put-image</c> sent, byte for byte.</summary>
    public string? PutManifest => File.Exists(PutManifestPath) ? File.ReadAllText(PutManifestPath) : null;

    public string[] Calls() => File.Exists(CallLog) ? File.ReadAllLines(CallLog) : [];

    /// <summary>The environment for a script run: the stubs first on PATH, the scenario's variables empty unless given.</summary>
    public Dictionary<string, string> Environment(IDictionary<string, string> values)
    {
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = $"{Bin}:{System.Environment.GetEnvironmentVariable("PATH")}",
            ["AWS_ACCOUNT_ID"] = Account,
            ["AWS_REGION"] = "eu-west-1",
            ["EXISTING_IMAGES"] = "",
            ["DESCRIBE_IMAGES_ERROR"] = "",
            ["SCAN_REPORT"] = "",
            ["STACKS_WITHOUT_OUTPUT"] = "",
            ["PUT_IMAGE_ERROR"] = "",
            ["SOURCE_COMMIT_ID"] = "",
            ["CODEBUILD_SRC_DIR_image"] = "",
        };
        foreach (var (name, value) in values)
        {
            environment[name] = value;
        }
        return environment;
    }

    private void Write(string tool, string script)
    {
        var path = Path.Combine(Bin, tool);
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        // The release scripts run on Linux CodeBuild and Linux CI only.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>A copy of the repository's buildspecs/ in a scratch checkout, so a script may write its default output directory there.</summary>
    internal static string ScratchCheckout(string work)
    {
        var checkout = Path.Combine(work, "checkout");
        var source = Path.Combine(Repository.Root, "buildspecs");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(checkout, "buildspecs", Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }

        return checkout;
    }

    /// <summary>The artifact base directory and files of a buildspec under buildspecs/.</summary>
    internal static (string BaseDirectory, List<string> Files) ArtifactsOf(string buildspec)
    {
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, "buildspecs", buildspec))));
        var artifacts = (YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)yaml.Documents[0].RootNode)["artifacts"];
        return (artifacts["base-directory"].ToString(), ((YamlDotNet.RepresentationModel.YamlSequenceNode)artifacts["files"]).Select(f => f.ToString()).ToList());
    }
}
