using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Databases;

internal sealed class DbEngineVersionOffered : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.DbEngineVersionOffered, Severity.Error,
        "RDS/Aurora engine version must be one RDS offers",
        "RDS offers specific engine versions per engine. A version it does not know fails instance or cluster creation after minutes of deploying: \"Cannot find version 15.4 for postgres\" (InvalidParameterCombination).",
        "Use a version listed for the engine in Data/rds-engine-versions.json (or just the major version, e.g. \"16\", to get RDS's default minor). A version newer than every one the data lists for its major version may have been released since the data was taken: it is not reported (refresh the data).",
        "003",
        """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              EngineVersion: "16.0"
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: "20"
        """,
        """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              EngineVersion: "16.9"
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: "20"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (resource, engine, version, node, status, suggestion) in EngineVersionModel.Versions(context))
        {
            if (status == VersionStatus.NotOffered)
            {
                context.Report(resource, "Properties/EngineVersion", node,
                    $"RDS does not offer {engine} {version} (data of {PreflightData.Rds.Retrieved}); creating {resource.LogicalId} fails with \"Cannot find version\". Use {suggestion ?? "a listed version"}.");
            }
        }
    }
}
