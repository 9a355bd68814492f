using System.Runtime.CompilerServices;
using System.Text.Json;
using Payments.Preflight.Data;

namespace Payments.Preflight.Tests.Rules;

/// <summary>
/// Property shapes from the CloudFormation resource provider schemas (PF003 wrong types, PF010 unknown properties,
/// PF011 missing required ones, PF012 values outside an enum, PF013 unknown types): what CloudFormation accepts
/// stays clean, what it rejects is reported at the property.
/// </summary>
public sealed class ResourceShapeTests
{
    private static readonly string[] ShapeRules = ["PF003", "PF010", "PF011", "PF012", "PF013"];

    private static List<Finding> ShapeFindings(string yaml) => [.. TestTemplates.Check(yaml, "dev").Where(f => ShapeRules.Contains(f.RuleId))];

    /// <summary>Valid templates the name-based shape guesses of PF003 rejected, and CloudFormation's scalar conversions.</summary>
    public static TheoryData<string, string> Accepted() => new()
    {
        { "GuardDuty malware protection plan Actions is an object", """
            Resources:
              Plan:
                Type: AWS::GuardDuty::MalwareProtectionPlan
                Properties:
                  Role: arn:aws:iam::123456789012:role/scan
                  ProtectedResource: { S3Bucket: { BucketName: uploads } }
                  Actions: { Tagging: { Status: ENABLED } }
            """ },
        { "FIS experiment template Actions is a map of named actions", """
            Resources:
              Experiment:
                Type: AWS::FIS::ExperimentTemplate
                Properties:
                  Description: stop instances
                  RoleArn: arn:aws:iam::123456789012:role/fis
                  StopConditions: [ { Source: none } ]
                  Targets: { Instances: { ResourceType: aws:ec2:instance, SelectionMode: ALL, ResourceTags: { chaos: ready } } }
                  Actions: { StopInstances: { ActionId: aws:ec2:stop-instances, Targets: { Instances: Instances } } }
            """ },
        { "Cost category Rules is a JSON string", """
            Resources:
              Category:
                Type: AWS::CE::CostCategory
                Properties:
                  Name: teams
                  RuleVersion: CostCategoryExpression.v1
                  Rules: '[{"Value":"payments","Rule":{"Tags":{"Key":"team","Values":["payments"]}}}]'
            """ },
        { "AppConfig extension Actions is an object", """
            Resources:
              Extension:
                Type: AWS::AppConfig::Extension
                Properties:
                  Name: notify
                  Actions: { PRE_CREATE_HOSTED_CONFIGURATION_VERSION: [ { Name: check, Uri: arn:aws:lambda:eu-west-1:123456789012:function:check } ] }
            """ },
        { "nested stack parameters take comma-separated strings and lists", """
            Resources:
              Network:
                Type: AWS::CloudFormation::Stack
                Properties:
                  TemplateURL: https://s3.amazonaws.com/bucket/network.yaml
                  Parameters:
                    Subnets: subnet-1,subnet-2
                    Zones: [ eu-west-1a, eu-west-1b ]
                    Size: 3
            """ },
        { "SAM application parameters under the SAM transform", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              App:
                Type: AWS::Serverless::Application
                Properties:
                  Location: { ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/x, SemanticVersion: 1.0.0 }
                  Parameters: { Subnets: subnet-1,subnet-2, Retries: 3, Anything: { Nested: [ 1 ] } }
            """ },
        { "custom resource properties are free-form", """
            Resources:
              Seed:
                Type: Custom::SeedData
                Properties:
                  ServiceToken: arn:aws:lambda:eu-west-1:123456789012:function:seed
                  Rows: [ { id: 1 } ]
                  Actions: not-a-list
              Legacy:
                Type: AWS::CloudFormation::CustomResource
                Properties:
                  ServiceToken: arn:aws:lambda:eu-west-1:123456789012:function:seed
                  Rules: { free: form }
            """ },
        { "scalars convert: strings for integers and booleans, numbers for strings", """
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: "60"
                  FifoQueue: "true"
                  QueueName: 12345.fifo
              Detector:
                Type: AWS::GuardDuty::Detector
                Properties: { Enable: "True" }
            """ },
        { "intrinsic values are not judged, Fn::If branches are", """
            Parameters: { Subnets: { Type: CommaDelimitedList } }
            Conditions: { Fifo: !Equals [ a, a ] }
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: !Ref AWS::NoValue
                  FifoQueue: !If [ Fifo, true, !Ref AWS::NoValue ]
                  Tags: !If [ Fifo, [ { Key: a, Value: b } ], !Ref AWS::NoValue ]
              Lb:
                Type: AWS::ElasticLoadBalancingV2::LoadBalancer
                Properties:
                  Subnets: !Ref Subnets
                  SecurityGroups: !Split [ ",", "sg-1,sg-2" ]
            """ },
        { "a macro rewrites shapes: the template is not judged", """
            Transform: MyOrg::QueueDefaults
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  Unknown: 1
            """ },
        { "AWS::LanguageExtensions: its functions are left alone", """
            Transform: AWS::LanguageExtensions
            Parameters:
              Names: { Type: CommaDelimitedList, Default: "a,b" }
            Mappings:
              Sizes: { dev: { Seconds: 30 } }
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: { Fn::Length: !Ref Names }
                  MessageRetentionPeriod: { Fn::FindInMap: [ Sizes, prod, Seconds, { DefaultValue: 345600 } ] }
                  RedrivePolicy: { Fn::ToJsonString: { deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 5 } }
              Dead:
                Type: AWS::SQS::Queue
              Fn::ForEach::Topics:
                - Name
                - !Ref Names
                - Topic${Name}:
                    Type: AWS::SNS::Topic
                    Properties: { TopicName: !Sub "${Name}" }
            """ },
        { "a resource that tells cfn-lint to ignore the check (a property newer than the schemas)", """
            Resources:
              Group:
                Type: AWS::OpenSearchServerless::CollectionGroup
                Metadata: { cfn-lint: { config: { ignore_checks: [ E3002 ] } } }
                Properties: { Name: search, StandbyReplicas: DISABLED, Generation: NEXT }
            """ },
        { "third-party registry types and modules are not judged", """
            Resources:
              Cluster: { Type: MongoDB::Atlas::Cluster, Properties: { Anything: [ 1 ] } }
              Module: { Type: My::Org::Bucket::MODULE, Properties: { Name: x } }
            """ },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void What_CloudFormation_accepts_is_not_reported(string name, string yaml)
    {
        var findings = ShapeFindings(yaml);
        Assert.True(findings.Count == 0, $"{name}: {string.Join(" | ", findings.Select(f => $"{f.RuleId} {f.Path}: {f.Message}"))}");
    }

    /// <summary>Mistakes CloudFormation rejects (or, for enums, probably rejects), with the rule, the path and what the message says.</summary>
    public static TheoryData<string, string, string, string, string> Rejected() => new()
    {
        { "a misspelled property", "PF010", "Resources/Queue/Properties/VisibilityTimeOut", "Did you mean VisibilityTimeout?", """
            Resources:
              Queue: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeOut: 60 } }
            """ },
        { "an unknown key inside an object property", "PF010", "Resources/Plan/Properties/Actions/Tagging/Enabled", "extraneous key [Enabled]", """
            Resources:
              Plan:
                Type: AWS::GuardDuty::MalwareProtectionPlan
                Properties:
                  Role: r
                  ProtectedResource: { S3Bucket: { BucketName: uploads } }
                  Actions: { Tagging: { Enabled: true } }
            """ },
        { "a required property is missing", "PF011", "Resources/Plan/Properties", "has no ProtectedResource", """
            Resources:
              Plan: { Type: AWS::GuardDuty::MalwareProtectionPlan, Properties: { Role: r } }
            """ },
        { "required properties of a resource without Properties", "PF011", "Resources/Detector", "required key [Enable] not found", """
            Resources:
              Detector: { Type: AWS::GuardDuty::Detector }
            """ },
        { "a required key inside an item of a list", "PF011", "Resources/Queue/Properties/Tags/0", "Tags/0 of Queue (AWS::SQS::Queue) has no Value", """
            Resources:
              Queue: { Type: AWS::SQS::Queue, Properties: { Tags: [ { Key: team } ] } }
            """ },
        { "a list given for an object", "PF003", "Resources/Plan/Properties/Actions", "must be a mapping, not a list", """
            Resources:
              Plan:
                Type: AWS::GuardDuty::MalwareProtectionPlan
                Properties:
                  Role: r
                  ProtectedResource: { S3Bucket: { BucketName: uploads } }
                  Actions: [ { Tagging: { Status: ENABLED } } ]
            """ },
        { "a scalar given for a list", "PF003", "Resources/Lb/Properties/Subnets", "must be a list, not the scalar 'subnet-1'", """
            Resources:
              Lb: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: { Subnets: subnet-1 } }
            """ },
        { "a policy document given as a list", "PF003", "Resources/Role/Properties/AssumeRolePolicyDocument", "must be a mapping or a string, not a list", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: [ a ] } }
            """ },
        { "a word for an integer", "PF003", "Resources/Queue/Properties/VisibilityTimeout", "must be an integer, not 'sixty'", """
            Resources:
              Queue: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: sixty } }
            """ },
        { "a wrong value in one Fn::If branch", "PF003", "Resources/Queue/Properties/FifoQueue", "must be a boolean, not 'maybe'", """
            Conditions: { Fifo: !Equals [ a, a ] }
            Resources:
              Queue: { Type: AWS::SQS::Queue, Properties: { FifoQueue: !If [ Fifo, maybe, false ] } }
            """ },
        { "a value outside the schema's enum", "PF012", "Resources/Detector/Properties/FindingPublishingFrequency", "FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS", """
            Resources:
              Detector: { Type: AWS::GuardDuty::Detector, Properties: { Enable: true, FindingPublishingFrequency: HOURLY } }
            """ },
        { "under AWS::LanguageExtensions, a property no function makes", "PF010", "Resources/Queue/Properties/Unknown", "is not a property of AWS::SQS::Queue", """
            Transform: AWS::LanguageExtensions
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: { Fn::Length: [ 1, 2 ] }
                  Unknown: 1
            """ },
        { "under AWS::LanguageExtensions, a property a loop's item makes", "PF010", "Resources/QueueFast/Properties/SpeedyTimeout", "is not a property of AWS::SQS::Queue", """
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Queues:
                - Kind
                - [Fast]
                - Queue${Kind}:
                    Type: AWS::SQS::Queue
                    Properties:
                      Fn::ForEach::Settings:
                        - Setting
                        - [Visibility, Speedy]
                        - ${Setting}Timeout: 30
            """ },
        { "a misspelled resource type", "PF013", "Resources/Bucket/Type", "AWS::S3::Buckets (Bucket) is not a resource type", """
            Resources:
              Bucket: { Type: AWS::S3::Buckets }
            """ },
        { "a SAM type without the SAM transform", "PF013", "Resources/Function/Type", "exists only under `Transform: AWS::Serverless-2016-10-31`", """
            Resources:
              Function: { Type: AWS::Serverless::Function, Properties: { Runtime: python3.13, Handler: app.handler, CodeUri: src } }
            """ },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void What_CloudFormation_rejects_is_reported_at_the_property(string name, string ruleId, string path, string message, string yaml)
    {
        var finding = Assert.Single(ShapeFindings(yaml));
        Assert.True(finding.RuleId == ruleId && finding.Path == path && finding.Message.Contains(message, StringComparison.Ordinal),
            $"{name}: got {finding.RuleId} {finding.Path}: {finding.Message}");
        Assert.NotNull(finding.Line);
    }

    [Theory]
    [InlineData("Transform: 5")]
    [InlineData("Transform: [ AWS::Serverless-2016-10-31, { Name: { a: b } } ]")]
    [InlineData("Transform: ~")]
    public void A_transform_entry_that_names_no_transform_is_no_macro_and_turns_no_check_off(string transform)
    {
        // A macro may rewrite anything, so a macro turns these checks off; an entry that names nothing is no macro.
        var findings = ShapeFindings($"{transform}\nResources:\n  Q: {{ Type: AWS::Nope::X }}\n");

        var unknownType = Assert.Single(findings, f => f.RuleId == "PF013");
        Assert.Equal("Resources/Q/Type", unknownType.Path);
    }

    [Fact]
    public void Enum_findings_are_warnings_and_quote_the_data_date()
    {
        var finding = Assert.Single(ShapeFindings("""
            Resources:
              Detector: { Type: AWS::GuardDuty::Detector, Properties: { Enable: true, FindingPublishingFrequency: HOURLY } }
            """));
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains(ResourceSchemas.Retrieved, finding.Message, StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", ResourceSchemas.Retrieved);
    }

    [Fact]
    public void The_schema_data_covers_the_public_resource_types()
    {
        Assert.True(ResourceSchemas.TypeCount > 1000, $"only {ResourceSchemas.TypeCount} types in Data/resource-schemas.jsonl");
        var bucket = ResourceSchemas.Find("AWS::S3::Bucket");
        Assert.NotNull(bucket);
        Assert.True(bucket.Root.Closed);
        Assert.Null(ResourceSchemas.Find("AWS::S3::Buckets"));
    }

    [Fact]
    public void Every_type_in_the_data_is_found_and_no_other()
    {
        // The lookup binary-searches the embedded lines: every line must be reachable, names between lines must not.
        var names = File.ReadLines(DataFile()).Skip(1).Select(line => JsonDocument.Parse(line).RootElement[0].GetString()!).ToList();
        Assert.Equal(ResourceSchemas.TypeCount, names.Count);
        Assert.All(names, name => Assert.Equal(name, ResourceSchemas.Find(name)?.Type));
        Assert.All(names, name => Assert.Null(ResourceSchemas.Find(name + "X")));
        Assert.Null(ResourceSchemas.Find("AAA::First::Before"));
        Assert.Null(ResourceSchemas.Find("ZZZ::Last::After"));
    }

    private static string DataFile([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..", "src", "Payments.Preflight", "Data", "resource-schemas.jsonl"));
}
