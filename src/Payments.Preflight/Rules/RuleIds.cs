namespace Payments.Preflight;

/// <summary>Every rule ID in one place. Format: PF + three digits; the first digit is the category.</summary>
internal static class RuleIds
{
    // 0xx: reading templates
    public const string ParseError = "PF001";
    public const string TemplateLimits = "PF002";
    public const string TemplateStructure = "PF003";
    public const string SuppressionWithoutReason = "PF004";
    public const string InputNotFound = "PF005";
    public const string RuleFailure = "PF006";
    public const string DuplicateKey = "PF007";
    public const string PreprocessorSource = "PF008";

    // 01x: properties against the CloudFormation resource provider schemas (PF003 reports wrong value types)
    public const string UnknownProperty = "PF010";
    public const string MissingRequiredProperty = "PF011";
    public const string PropertyValueNotAllowed = "PF012";
    public const string UnknownResourceType = "PF013";

    // 014-017: names, functions, format and quotas, as CloudFormation's template validation judges them
    public const string UnresolvedReference = "PF014";
    public const string IntrinsicFunctionShape = "PF015";
    public const string TemplateFormat = "PF016";
    public const string TemplateQuota = "PF017";

    // 1xx: ECS and CodeDeploy blue/green
    public const string CodeDeployServiceController = "PF101";
    public const string CodeDeployServiceDeploymentConfig = "PF102";
    public const string CodeDeployServiceHealthyPercent = "PF103";
    public const string CodeDeployServiceLoadBalancers = "PF104";
    public const string CodeDeployTargetGroupsReachable = "PF105";
    public const string HealthCheckPortConsistency = "PF106";
    public const string ContainerHealthCheckPort = "PF107";
    public const string FargateCpuMemory = "PF108";
    public const string HealthCheckGracePeriod = "PF109";

    // 2xx: IAM
    public const string ManagedPolicyExists = "PF201";
    public const string ServicePrincipalExists = "PF202";
    public const string UnrecognizedServicePrincipal = "PF203";
    public const string UnknownManagedPolicy = "PF204";

    // 21x-22x: permission flows between services (Permissions/ model)
    public const string TaskExecutionRoleAccess = "PF210";
    public const string AlarmNotificationAccess = "PF211";
    public const string EventTargetAccess = "PF212";
    public const string EncryptedWriteWithoutKey = "PF213";
    public const string LoadBalancerLogDelivery = "PF214";
    public const string LambdaCreationAccess = "PF215";
    public const string SubscriptionDeliveryAccess = "PF216";
    public const string CodeDeployServiceRoleAccess = "PF217";
    public const string PipelineActionAccess = "PF218";
    public const string FlowLogDeliveryAccess = "PF219";
    public const string ReleasePullAccess = "PF220";

    // 3xx: databases
    public const string DbEngineVersionOffered = "PF301";
    public const string DbEngineVersionDeprecated = "PF302";
    public const string DbParameterRange = "PF303";
    public const string DbLogStatementAll = "PF304";

    // 4xx: logs
    public const string LogGroupKmsKeyPolicy = "PF401";
    public const string LogRetentionValue = "PF402";

    // 5xx: Lambda
    public const string LambdaInlineRuntime = "PF501";
    public const string LambdaInlineHandler = "PF502";
    public const string LambdaRuntimeBlocked = "PF503";
    public const string LambdaRuntimeDeprecated = "PF504";

    // 6xx: lifecycle, names, environments
    public const string BucketDeleteFails = "PF601";
    public const string RepositoryDeleteFails = "PF602";
    public const string FixedPhysicalName = "PF603";
    public const string RetainedFixedName = "PF604";
    public const string UndeletableInNonProduction = "PF605";

    // 7xx: things that must exist before deploy
    public const string MustExistFirst = "PF701";

    // 8xx: pipelines, networking, storage configuration
    public const string GitHubVersion1Source = "PF801";
    public const string CodeCommitSource = "PF802";
    public const string FlowLogDestination = "PF803";
    public const string LifecycleRuleWithoutAction = "PF804";
    public const string LifecycleRuleWithoutFilter = "PF805";
    public const string HttpsListenerCertificate = "PF806";
    public const string ProductionHttpListenerRedirect = "PF807";

    // 9xx: cost
    public const string NatGatewayOutsideProduction = "PF901";
    public const string InterfaceEndpointOutsideProduction = "PF902";
}
