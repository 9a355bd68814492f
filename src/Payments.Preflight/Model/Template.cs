namespace Payments.Preflight.Model;

/// <summary>A loaded CloudFormation template with the context it was found in.</summary>
internal sealed class Template
{
    public const string SamTransform = "AWS::Serverless-2016-10-31";

    /// <summary>
    /// Judged like a plain template: its functions (Fn::Length, Fn::ToJsonString, Fn::FindInMap with a default) are
    /// functions to the rules, and the model holds what an Fn::ForEach over a spelled-out collection makes
    /// (<see cref="LoopExpansion"/>).
    /// </summary>
    public const string LanguageExtensionsTransform = "AWS::LanguageExtensions";

    public Template(string path, MappingNode root, string? stackName, IReadOnlyDictionary<string, string> stackTags)
    {
        Path = path;
        Root = root;
        StackName = stackName;
        StackTags = stackTags;
        Transforms = [.. TransformEntries(root["Transform"]).Select(t => t.Name).OfType<string>()];
        Parameters = root["Parameters"] as MappingNode;
        Conditions = root["Conditions"] as MappingNode;
        var resources = new Dictionary<string, Resource>(StringComparer.Ordinal);
        var globals = root["Globals"] as MappingNode;
        if (root["Resources"] is MappingNode resourceMap)
        {
            var loops = Transforms.Contains(LanguageExtensionsTransform);
            var budget = new LoopExpansion.Budget();
            foreach (var (logicalId, node) in resourceMap.Entries)
            {
                if (loops && LoopExpansion.IsLoop(logicalId))
                {
                    // What the loop makes is judged like any resource; a name the file also defines is PF014's business.
                    foreach (var (madeId, madeBody, line) in LoopExpansion.Resources(node, budget))
                    {
                        if (madeBody["Type"] is ScalarNode madeType && resourceMap[madeId] is null)
                        {
                            resources.TryAdd(madeId, new Resource(madeId, madeType.Value, madeBody, line, SamGlobals(globals, madeType.Value)) { MadeBy = logicalId });
                        }
                    }
                }
                else if (node is MappingNode body && body["Type"] is ScalarNode type)
                {
                    resources[logicalId] = new Resource(logicalId, type.Value, body, resourceMap.KeyLine(logicalId), SamGlobals(globals, type.Value));
                }
            }

            LoopsCut = budget.Exhausted;
        }

        Resources = resources;
    }

    /// <summary>Whether the template's <c>Fn::ForEach</c> loops make more than the model holds (<see cref="LoopExpansion.MaxSteps"/>).</summary>
    public bool LoopsCut { get; }

    public string Path { get; }

    public MappingNode Root { get; }

    public string? StackName { get; }

    /// <summary>The region the stack deploys to, when the cloud assembly fixes it (AWS::Region resolves to it).</summary>
    public string? Region { get; set; }

    /// <summary>The template body's size in bytes, as read (0 when built in memory).</summary>
    public int Bytes { get; set; }

    /// <summary>The account the stack deploys to, when the cloud assembly fixes it.</summary>
    public string? Account { get; set; }

    public IReadOnlyDictionary<string, string> StackTags { get; }

    /// <summary>
    /// The names of the template's transforms, in order (a macro given as <c>{ Name, Parameters }</c> by its name). An
    /// entry that names no transform is left out: it is not a macro that could rewrite the template, so it must not turn
    /// the checks off (PF003 reports it).
    /// </summary>
    public IReadOnlyList<string> Transforms { get; }

    /// <summary>
    /// No transform, or only those AWS documents (SAM, AWS::LanguageExtensions): what the file says is what the rules
    /// can judge. A macro may rewrite anything before CloudFormation reads it.
    /// </summary>
    public bool OnlyDocumentedTransforms => Transforms.All(t => t is SamTransform or LanguageExtensionsTransform);

    /// <summary>
    /// The entries of a `Transform` section: a name (<c>AWS::Serverless-2016-10-31</c>) or <c>{ Name, Parameters }</c>,
    /// alone or in a list. <c>Name</c> is null for an entry that names no transform: not a string (<c>Transform: 5</c>, a
    /// list in the list), or a mapping whose Name is not one (the entry is then that Name, at <c>…/Name</c>) or that has
    /// none. A null section, like an absent one, has no entries.
    /// </summary>
    public static IEnumerable<(string Path, Node Node, string? Name)> TransformEntries(Node? section)
    {
        switch (section)
        {
            case null or ScalarNode { Kind: ScalarKind.Null }:
                yield break;
            case SequenceNode list:
                for (var i = 0; i < list.Items.Count; i++)
                {
                    yield return Entry($"Transform/{i}", list.Items[i]);
                }

                yield break;
            default:
                yield return Entry("Transform", section);
                yield break;
        }

        static (string, Node, string?) Entry(string path, Node node) => node switch
        {
            ScalarNode { Kind: ScalarKind.String } name => (path, node, name.Value),
            MappingNode map when map["Name"] is ScalarNode { Kind: ScalarKind.String } name => (path, node, name.Value),
            MappingNode map when map["Name"] is { } notAName => ($"{path}/Name", notAName, null),
            _ => (path, node, null),
        };
    }

    public MappingNode? Parameters { get; }

    public MappingNode? Conditions { get; }

    public IReadOnlyDictionary<string, Resource> Resources { get; }

    /// <summary>
    /// SAM's `Globals` section gives AWS::Serverless::Function|Api|HttpApi|SimpleTable|StateMachine|LayerVersion
    /// properties they do not set themselves (e.g. the Runtime of every function).
    /// </summary>
    private static MappingNode? SamGlobals(MappingNode? globals, string type) =>
        globals is not null && type.StartsWith("AWS::Serverless::", StringComparison.Ordinal)
            ? globals[type["AWS::Serverless::".Length..]] as MappingNode
            : null;

    private ILookup<string, Resource>? byType;

    /// <summary>The resources of one type, in template order (indexed once per template: every rule asks).</summary>
    public IEnumerable<Resource> OfType(string type) => (byType ??= Resources.Values.ToLookup(r => r.Type, StringComparer.Ordinal))[type];
}

internal sealed class Resource
{
    private readonly MappingNode? globals;

    public Resource(string logicalId, string type, MappingNode body, int line, MappingNode? globals = null)
    {
        this.globals = globals;
        LogicalId = logicalId;
        Type = type;
        Body = body;
        Line = line;
        Properties = body["Properties"] as MappingNode;
    }

    public string LogicalId { get; }

    public string Type { get; }

    public MappingNode Body { get; }

    public MappingNode? Properties { get; }

    public int Line { get; }

    /// <summary>The Fn::ForEach loop (AWS::LanguageExtensions) that makes this resource; null for one the file names.</summary>
    public string? MadeBy { get; init; }

    /// <summary>A property of the resource, else the SAM Globals value for its type.</summary>
    public Node? Property(string name) => Properties?[name] ?? globals?[name];

    public string? DeletionPolicy => (Body["DeletionPolicy"] as ScalarNode)?.Value;

    /// <summary>
    /// The DeletionPolicy, <paramref name="whenAbsent"/> when there is none (the default depends on the type); null
    /// when a function decides it at deploy time, as AWS::LanguageExtensions allows (a Ref to a parameter, Fn::FindInMap).
    /// </summary>
    public string? KnownDeletionPolicy(string whenAbsent) => Body["DeletionPolicy"] switch
    {
        null => whenAbsent,
        ScalarNode policy => policy.Value,
        _ => null,
    };

    public string? UpdateReplacePolicy => (Body["UpdateReplacePolicy"] as ScalarNode)?.Value;

    public string PropertyPath(string name) => $"Resources/{LogicalId}/Properties/{name}";

    public string BodyPath => $"Resources/{LogicalId}";
}
