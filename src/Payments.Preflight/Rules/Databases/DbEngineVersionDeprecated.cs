using Payments.Preflight.Data;
using Payments.Preflight.Engine;

namespace Payments.Preflight.Rules.Databases;

internal sealed class DbEngineVersionDeprecated : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        RuleIds.DbEngineVersionDeprecated, Severity.Error,
        "RDS/Aurora engine version must not be deprecated",
        "RDS stops offering deprecated minor versions for new instances: a template pinned to one (e.g. postgres 15.4) fails to create with \"Cannot find version 15.4 for postgres\", although it once worked. cfn-lint reports this only as a warning (W3691).",
        "Move to a current minor of the same major version (the message names the newest one known), and enable AutoMinorVersionUpgrade.",
        "003",
        """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              EngineVersion: "15.4"
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: "20"
        """,
        """
        Resources:
          Database:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              EngineVersion: "15.14"
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: "20"
        """);

    public override void Check(RuleContext context)
    {
        foreach (var (resource, engine, version, node, status, suggestion) in EngineVersionModel.Versions(context))
        {
            if (status == VersionStatus.Deprecated)
            {
                context.Report(resource, "Properties/EngineVersion", node,
                    $"{engine} {version} is deprecated (data of {PreflightData.Rds.Retrieved}); RDS no longer creates it. Use {suggestion ?? "a current version"}.");
            }
        }
    }
}
