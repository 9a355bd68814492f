using Payments.Preflight.Data;
using Payments.Preflight.Model;

namespace Payments.Preflight.Permissions;

/// <summary>A role of the templates, with every identity policy attached to it anywhere in the run.</summary>
internal sealed record RoleInfo(Template Template, Resource Resource, Sym Arn, Sym Name, IReadOnlyList<PolicyDocument> Identity, PolicyDocument? Boundary)
{
    public Caller Caller => Caller.Role(Arn, $"role {Resource.LogicalId}");
}

/// <summary>Where a call lands: the resource's own policy (if any) and, for KMS, the key policy.</summary>
internal sealed record Target(string Display, PolicyDocument? ResourcePolicy, PolicyDocument? KeyPolicy = null)
{
    /// <summary>A call no resource policy governs (ecr:GetAuthorizationToken, a log stream).</summary>
    public static readonly Target NoResourcePolicy = new("*", null);

    /// <summary>A resource outside the templates: its policies are unknown.</summary>
    public static Target External(string display, bool kms = false) =>
        kms ? new(display, null, PolicyDocument.Unknown($"the key policy of {display} (not in the templates)"))
            : new(display, PolicyDocument.Unknown($"the policy of {display} (not in the templates)"));
}

/// <summary>
/// The permission model of one run (a template, or every template of a cloud assembly): roles with their
/// identity policies, resource policies, key policies, and the exports that join stacks. Built once, read by
/// every permission-flow rule, thread-safe after construction.
/// </summary>
internal sealed class AccessModel
{
    private readonly Dictionary<Template, SymbolicResolver> resolvers = [];
    private readonly Dictionary<string, (Template Template, Node Value)> exports = new(StringComparer.Ordinal);
    private readonly List<RoleInfo> roles = [];
    private readonly Dictionary<(Template, string), List<Statement>> resourceStatements = [];
    private readonly Dictionary<(Template, string), List<string>> resourcePolicyOrigins = [];
    // Resources by the exact symbolic value of their Ref, ARN and name: the matcher says "yes" only for the same
    // token sequence, so a dictionary answers Locate without comparing a value with every resource of the run.
    private readonly Dictionary<string, List<(Template Template, Resource Resource)>> byValue = new(StringComparer.Ordinal);
    private readonly Dictionary<(Template, string), RoleInfo> roleIndex = [];

    public AccessModel(IReadOnlyList<Template> templates)
    {
        Templates = templates;
        for (var i = 0; i < templates.Count; i++)
        {
            resolvers[templates[i]] = new SymbolicResolver(templates[i], this, i);
            if (templates[i].Root["Outputs"] is MappingNode outputs)
            {
                foreach (var (_, output) in outputs.Entries)
                {
                    if (output is MappingNode body && (body["Export"] as MappingNode)?["Name"] is { } exportName && body["Value"] is { } value
                        && resolvers[templates[i]].Resolve(exportName)?.Literal is { } name)
                    {
                        exports[name] = (templates[i], value);
                    }
                }
            }
        }

        foreach (var template in templates)
        {
            var resolver = resolvers[template];
            foreach (var resource in template.Resources.Values)
            {
                var reference = Key(resolver.ResourceRef(resource));
                var arn = Key(resolver.Arn(resource));
                var name = Key(resolver.Name(resource));
                Index(reference, template, resource);
                if (arn != reference)
                {
                    Index(arn, template, resource);
                }

                if (name != reference && name != arn)
                {
                    Index(name, template, resource);
                }
            }
        }

        foreach (var template in templates)
        {
            IndexResourcePolicies(template);
            IndexAttachedPolicies(template);
        }

        foreach (var template in templates)
        {
            foreach (var role in template.OfType("AWS::IAM::Role"))
            {
                var info = BuildRole(template, role);
                roles.Add(info);
                roleIndex[(template, role.LogicalId)] = info;
            }
        }
    }

    public IReadOnlyList<Template> Templates { get; }

    private void Index(string value, Template template, Resource resource)
    {
        if (!byValue.TryGetValue(value, out var list))
        {
            byValue[value] = list = [];
        }

        list.Add((template, resource));
    }

    public IReadOnlyList<RoleInfo> Roles => roles;

    public SymbolicResolver Resolver(Template template) => resolvers[template];

    /// <summary>The value of an export of another template of the run, resolved in that template.</summary>
    public Sym? Import(string exportName, int depth) =>
        exports.TryGetValue(exportName, out var export) ? resolvers[export.Template].Resolve(export.Value, depth) : null;

    /// <summary>The resource of the run a value (its Ref, ARN or name) names, when exactly one matches for certain.</summary>
    public (Template Template, Resource Resource)? Locate(Sym value, params string[] types)
    {
        if (!byValue.TryGetValue(Key(value), out var candidates))
        {
            return null;
        }

        (Template, Resource)? found = null;
        foreach (var candidate in candidates)
        {
            if (types.Length > 0 && !types.Contains(candidate.Resource.Type, StringComparer.Ordinal))
            {
                continue;
            }

            if (found is not null && found.Value.Item2 != candidate.Resource)
            {
                return null;
            }

            found = candidate;
        }

        return found;
    }

    private static string Key(Sym value) => value.Key;

    public RoleInfo? RoleByArn(Sym arn) => Locate(arn, "AWS::IAM::Role") is { } found ? roleIndex.GetValueOrDefault((found.Template, found.Resource.LogicalId)) : null;

    /// <summary>The role a value (a role ARN, or a Ref/GetAtt to a role) names, or null when it is not in the run.</summary>
    public RoleInfo? Role(Template template, Node? node)
    {
        if (resolvers[template].ResourceOf(node) is { Type: "AWS::IAM::Role" } role)
        {
            return roleIndex[(template, role.LogicalId)];
        }

        return resolvers[template].Resolve(node) is { } arn ? RoleByArn(arn) : null;
    }

    /// <summary>The policies that decide a call of <paramref name="caller"/> on <paramref name="target"/>.</summary>
    public PolicySet PoliciesFor(Caller caller, Target target)
    {
        if (caller.IsService)
        {
            return new PolicySet([], null, target.ResourcePolicy, target.KeyPolicy);
        }

        var role = RoleByArn(caller.Arn);
        IReadOnlyList<PolicyDocument> identity = role is null ? [PolicyDocument.Unknown($"the policies of {caller.Display} (not in the templates)")] : role.Identity;
        return new PolicySet(identity, role?.Boundary, target.ResourcePolicy, target.KeyPolicy);
    }

    public Decision Check(AccessRequest request, Target target) => PolicyEvaluator.Evaluate(request, PoliciesFor(request.Caller, target));

    /// <summary>Where a call on a resource of the run lands: its resource policy (or the service's default) and its key.</summary>
    public Target TargetOf(Template template, Resource resource)
    {
        var display = $"{resource.Type} {resource.LogicalId}";
        if (resource.Type == "AWS::KMS::Key")
        {
            return new Target(display, null, KeyPolicy(template, resource));
        }

        if (resourceStatements.TryGetValue((template, resource.LogicalId), out var statements))
        {
            var origins = string.Join(", ", resourcePolicyOrigins[(template, resource.LogicalId)]);
            return new Target(display, new PolicyDocument(origins, statements));
        }

        return resource.Type switch
        {
            "AWS::SNS::Topic" => new Target(display, DefaultTopicPolicy(resolvers[template].Arn(resource), resolvers[template].Account)),
            _ => new Target(display, null),
        };
    }

    /// <summary>Where a call on a value lands: a resource of the run if it names one, else an external resource.</summary>
    public Target TargetOf(Sym value, bool kms, params string[] types)
    {
        if (Locate(value, types) is { } found)
        {
            return TargetOf(found.Template, found.Resource);
        }

        var service = value.Split(':') is { Count: > 2 } parts && parts[0].Literal == "arn" ? parts[2].Literal : null;
        return service is not null && WithoutResourcePolicies.Contains(service) ? new Target(value.ToString(), null) : Target.External(value.ToString(), kms);
    }

    /// <summary>Services whose resources have no resource policy: only identity policies decide calls on them.</summary>
    private static readonly HashSet<string> WithoutResourcePolicies = new(StringComparer.Ordinal)
    {
        "codepipeline", "codebuild", "codedeploy", "ecs", "ssm", "cloudwatch", "states", "elasticloadbalancing", "ec2", "rds", "dynamodb", "iam",
    };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Resource, PolicyDocument> keyPolicies = new();

    /// <summary>The key's policy (parsed once: every encrypted topic, queue, bucket and secret asks for it).</summary>
    public PolicyDocument KeyPolicy(Template template, Resource key) => keyPolicies.GetOrAdd(key, k => ParseKeyPolicy(template, k));

    private PolicyDocument ParseKeyPolicy(Template template, Resource key)
    {
        var origin = $"the key policy of {key.LogicalId}";
        if (key.Property("KeyPolicy") is null)
        {
            // KMS's default key policy: the account root, so that IAM policies decide.
            return new PolicyDocument(origin + " (KMS default)", [new Statement("default", Effect.Allow,
                new PrincipalSpec(false, new Dictionary<string, IReadOnlyList<Sym>?> { ["AWS"] = [Sym.Concat(Sym.Lit("arn:aws:iam::"), resolvers[template].Account, Sym.Lit(":root"))] }),
                false, [Sym.Lit("kms:*")], false, [Sym.Lit("*")], false, [], false, key.Line)]);
        }

        return PolicyDocument.Parse(origin, key.Property("KeyPolicy"), n => resolvers[template].Resolve(n));
    }

    /// <summary>
    /// SNS's access policy when no AWS::SNS::TopicPolicy replaces it: the account's principals (their IAM policies
    /// decide), and CloudWatch alarms may publish. Other services (EventBridge, S3) are not admitted.
    /// </summary>
    private static PolicyDocument DefaultTopicPolicy(Sym topicArn, Sym account) => new("SNS's default topic policy (no AWS::SNS::TopicPolicy)",
    [
        new Statement("__default_statement_ID", Effect.Allow,
            new PrincipalSpec(false, new Dictionary<string, IReadOnlyList<Sym>?> { ["AWS"] = [Sym.Concat(Sym.Lit("arn:aws:iam::"), account, Sym.Lit(":root"))] }),
            false, [Sym.Lit("sns:*")], false, [topicArn], false, [], false, null),
        new Statement("cloudwatch-alarms", Effect.Allow,
            new PrincipalSpec(false, new Dictionary<string, IReadOnlyList<Sym>?> { ["Service"] = [Sym.Lit("cloudwatch.amazonaws.com")] }),
            false, [Sym.Lit("sns:Publish")], false, [topicArn], false, [], false, null),
    ]);

    private void AddResourceStatements(Template template, Resource owner, string origin, IEnumerable<Statement> statements)
    {
        var key = (template, owner.LogicalId);
        if (!resourceStatements.TryGetValue(key, out var list))
        {
            resourceStatements[key] = list = [];
            resourcePolicyOrigins[key] = [];
        }

        list.AddRange(statements);
        resourcePolicyOrigins[key].Add(origin);
    }

    private void IndexResourcePolicies(Template template)
    {
        var resolver = resolvers[template];
        Func<Node, Sym?> resolve = n => resolver.Resolve(n);
        void Attach(Resource policy, Node? targets, string documentProperty, string[] types)
        {
            var document = PolicyDocument.Parse($"{policy.Type} {policy.LogicalId}", policy.Property(documentProperty), resolve);
            foreach (var item in targets is SequenceNode list ? list.Items : targets is null ? [] : [targets])
            {
                if (resolver.Resolve(item) is { } value && Locate(value, types) is { } found)
                {
                    AddResourceStatements(found.Template, found.Resource, document.Origin, document.Opaque ? [Statement.OpaqueAt(policy.Line)] : document.Statements);
                }
            }
        }

        foreach (var policy in template.OfType("AWS::SNS::TopicPolicy"))
        {
            Attach(policy, policy.Property("Topics"), "PolicyDocument", ["AWS::SNS::Topic"]);
        }

        foreach (var policy in template.OfType("AWS::SQS::QueuePolicy"))
        {
            Attach(policy, policy.Property("Queues"), "PolicyDocument", ["AWS::SQS::Queue"]);
        }

        foreach (var policy in template.OfType("AWS::S3::BucketPolicy"))
        {
            Attach(policy, policy.Property("Bucket"), "PolicyDocument", ["AWS::S3::Bucket"]);
        }

        foreach (var policy in template.OfType("AWS::SecretsManager::ResourcePolicy"))
        {
            Attach(policy, policy.Property("SecretId"), "ResourcePolicy", ["AWS::SecretsManager::Secret"]);
        }

        foreach (var repository in template.OfType("AWS::ECR::Repository"))
        {
            if (repository.Property("RepositoryPolicyText") is { } text)
            {
                var document = PolicyDocument.Parse($"the repository policy of {repository.LogicalId}", text, resolve);
                AddResourceStatements(template, repository, document.Origin, document.Opaque ? [Statement.OpaqueAt(repository.Line)] : document.Statements);
            }
        }

        foreach (var permission in template.OfType("AWS::Lambda::Permission"))
        {
            if (resolver.Resolve(permission.Property("FunctionName")) is not { } functionValue || Locate(functionValue, "AWS::Lambda::Function") is not { } function)
            {
                continue;
            }

            AddResourceStatements(function.Template, function.Resource, $"AWS::Lambda::Permission {permission.LogicalId}", [LambdaPermissionStatement(resolver, permission, resolvers[function.Template].Arn(function.Resource))]);
        }
    }

    private static Statement LambdaPermissionStatement(SymbolicResolver resolver, Resource permission, Sym functionArn)
    {
        var principal = resolver.Resolve(permission.Property("Principal"));
        var action = resolver.Resolve(permission.Property("Action"));
        if (principal is null || action is null)
        {
            return Statement.OpaqueAt(permission.Line);
        }

        var type = principal.Literal is { } literal && literal.EndsWith(".amazonaws.com", StringComparison.Ordinal) ? "Service" : "AWS";
        var conditions = new List<ConditionClause>();
        if (permission.Property("SourceArn") is { } sourceArn)
        {
            conditions.Add(new ConditionClause("ArnLike", "aws:SourceArn", resolver.Resolve(sourceArn) is { } arn ? [arn] : null));
        }

        if (permission.Property("SourceAccount") is { } sourceAccount)
        {
            conditions.Add(new ConditionClause("StringEquals", "aws:SourceAccount", resolver.Resolve(sourceAccount) is { } account ? [account] : null));
        }

        return new Statement(permission.LogicalId, Effect.Allow, new PrincipalSpec(principal.Literal == "*", new Dictionary<string, IReadOnlyList<Sym>?> { [type] = [principal] }),
            false, [action], false, [functionArn, functionArn + ":*"], false, conditions, false, permission.Line);
    }

    private readonly Dictionary<(Template, string), List<PolicyDocument>> attached = [];
    private readonly List<(Template Template, string Origin)> mayBeAttached = [];

    /// <summary>
    /// Which role each AWS::IAM::Policy / AWS::IAM::ManagedPolicy is attached to: a Ref names exactly that role;
    /// a name is looked up among the run's roles; a name the template does not fix may be any role of its stack.
    /// </summary>
    private void IndexAttachedPolicies(Template template)
    {
        var resolver = resolvers[template];
        foreach (var policy in template.OfType("AWS::IAM::Policy").Concat(template.OfType("AWS::IAM::ManagedPolicy")))
        {
            var origin = $"{policy.Type} {policy.LogicalId}";
            var document = PolicyDocument.Parse(origin, policy.Property("PolicyDocument"), n => resolver.Resolve(n));
            if (policy.Property("Roles") is MappingNode { IntrinsicName: not null })
            {
                mayBeAttached.Add((template, origin));
                continue;
            }

            foreach (var roleNode in Engine.Resolver.Items(policy.Property("Roles")))
            {
                (Template, string)? target = resolver.ResourceOf(roleNode) is { Type: "AWS::IAM::Role" } referenced ? (template, referenced.LogicalId)
                    : resolver.Resolve(roleNode) is { } name && Locate(name, "AWS::IAM::Role") is { } found ? (found.Template, found.Resource.LogicalId)
                    : null;
                if (target is { } key)
                {
                    if (!attached.TryGetValue(key, out var list))
                    {
                        attached[key] = list = [];
                    }

                    list.Add(document);
                }
                else if (resolver.Resolve(roleNode) is not { IsLiteral: true })
                {
                    mayBeAttached.Add((template, origin));
                }
            }
        }
    }

    private RoleInfo BuildRole(Template template, Resource role)
    {
        var resolver = resolvers[template];
        Func<Node, Sym?> resolve = n => resolver.Resolve(n);
        var arn = resolver.Arn(role);
        var name = resolver.Name(role);
        var identity = new List<PolicyDocument>();
        var inline = Engine.Resolver.Items(role.Property("Policies"));
        foreach (var policy in inline)
        {
            var policyName = (policy as MappingNode)?["PolicyName"] is ScalarNode { } n ? n.Value : "?";
            identity.Add(PolicyDocument.Parse($"inline policy '{Rules.Excerpt.Of(policyName)}' of role {role.LogicalId}", (policy as MappingNode)?["PolicyDocument"], resolve));
        }

        if (role.Property("Policies") is MappingNode { IntrinsicName: not null })
        {
            identity.Add(PolicyDocument.Unknown($"the inline policies of role {role.LogicalId}"));
        }

        foreach (var arnNode in Engine.Resolver.Items(role.Property("ManagedPolicyArns")))
        {
            identity.Add(ManagedPolicy(template, arnNode, $"role {role.LogicalId}"));
        }

        if (role.Property("ManagedPolicyArns") is MappingNode { IntrinsicName: not null })
        {
            identity.Add(PolicyDocument.Unknown($"the managed policies of role {role.LogicalId}"));
        }

        // AWS::IAM::Policy and customer managed policies that name the role, in any template of the run
        identity.AddRange(attached.GetValueOrDefault((template, role.LogicalId)) ?? []);
        foreach (var (policyTemplate, origin) in mayBeAttached)
        {
            if (policyTemplate == template)
            {
                identity.Add(PolicyDocument.Unknown(origin + " (may be attached)"));
            }
        }

        PolicyDocument? boundary = role.Property("PermissionsBoundary") is { } boundaryNode ? ManagedPolicy(template, boundaryNode, $"the permissions boundary of role {role.LogicalId}") : null;
        return new RoleInfo(template, role, arn, name, identity, boundary);
    }

    /// <summary>A managed policy by ARN: one of the run's AWS::IAM::ManagedPolicy, an AWS managed policy from the data, else unknown.</summary>
    private PolicyDocument ManagedPolicy(Template template, Node arnNode, string holder)
    {
        var resolver = resolvers[template];
        if (resolver.ResourceOf(arnNode) is { Type: "AWS::IAM::ManagedPolicy" } own)
        {
            return PolicyDocument.Parse($"managed policy {own.LogicalId}", own.Property("PolicyDocument"), n => resolver.Resolve(n));
        }

        var arn = resolver.Resolve(arnNode);
        if (arn?.Literal is { } literal && literal.StartsWith("arn:aws:iam::aws:policy/", StringComparison.Ordinal))
        {
            var policyName = literal["arn:aws:iam::aws:policy/".Length..];
            return ManagedPolicyDocuments.Get(policyName) ?? PolicyDocument.Unknown($"AWS managed policy {policyName} of {holder} (its document is not in the data)");
        }

        if (arn is not null && Locate(arn, "AWS::IAM::ManagedPolicy") is { } found)
        {
            return PolicyDocument.Parse($"managed policy {found.Resource.LogicalId}", found.Resource.Property("PolicyDocument"), n => resolvers[found.Template].Resolve(n));
        }

        return PolicyDocument.Unknown($"managed policy {arn?.ToString() ?? "(unresolved)"} of {holder}");
    }
}
