namespace Payments.Preflight.Tests.Permissions.Differential;

/// <summary>The one account, its roles, and the calls between services that the generated cases are about.</summary>
internal static class CaseWorld
{
    public const string Account = "111122223333";
    public const string OtherAccount = "444455556666";
    public const string Region = "eu-west-1";
    public const string AppRole = $"arn:aws:iam::{Account}:role/App";
    public const string OtherRole = $"arn:aws:iam::{Account}:role/Other";
    public const string RootArn = $"arn:aws:iam::{Account}:root";

    public static readonly string[] ServiceCallers = ["events.amazonaws.com", "cloudwatch.amazonaws.com", "sns.amazonaws.com"];

    public static readonly HashSet<string> MultiValuedKeys = new(StringComparer.Ordinal) { "aws:TagKeys" };

    /// <summary>
    /// A call: the action, the resource it acts on, how many leading characters of the resource part name its type
    /// (AWS takes no wildcard there), whether the resource can carry a policy, and actions of the same service
    /// that must not match.
    /// </summary>
    public sealed record Call(string Action, string Resource, int TypeLength, bool HasResourcePolicy, string[] Siblings)
    {
        public bool IsKms => Action.StartsWith("kms:", StringComparison.Ordinal);

        public bool IsPassRole => Action == "iam:PassRole";

        public string Service => Action[..Action.IndexOf(':', StringComparison.Ordinal)];
    }

    public static readonly Call[] Calls =
    [
        new("sns:Publish", $"arn:aws:sns:{Region}:{Account}:alerts", 0, true, ["sns:Subscribe", "sns:DeleteTopic"]),
        new("sns:Subscribe", $"arn:aws:sns:{Region}:{Account}:approvals", 0, true, ["sns:Publish", "sns:SetTopicAttributes"]),
        new("sqs:SendMessage", $"arn:aws:sqs:{Region}:{Account}:jobs", 0, true, ["sqs:ReceiveMessage", "sqs:DeleteMessage"]),
        new("s3:PutObject", $"arn:aws:s3:::payments-logs/AWSLogs/{Account}/elb.log", 0, true, ["s3:GetObject", "s3:DeleteObject"]),
        new("s3:GetObject", "arn:aws:s3:::payments-artifacts/build/app.zip", 0, true, ["s3:PutObject", "s3:GetObjectVersion"]),
        new("kms:Decrypt", $"arn:aws:kms:{Region}:{Account}:key/1234abcd-12ab-34cd-56ef-1234567890ab", 4, true, ["kms:Encrypt", "kms:ScheduleKeyDeletion"]),
        new("kms:GenerateDataKey", $"arn:aws:kms:{Region}:{Account}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", 4, true, ["kms:GenerateDataKeyPair", "kms:Decrypt"]),
        new("iam:PassRole", $"arn:aws:iam::{Account}:role/TaskRole", 5, false, ["iam:GetRole", "iam:CreateRole"]),
        new("ecr:BatchGetImage", $"arn:aws:ecr:{Region}:{Account}:repository/api", 11, true, ["ecr:PutImage", "ecr:BatchCheckLayerAvailability"]),
        new("secretsmanager:GetSecretValue", $"arn:aws:secretsmanager:{Region}:{Account}:secret:db-AbCdEf", 7, true, ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"]),
        new("logs:PutLogEvents", $"arn:aws:logs:{Region}:{Account}:log-group:/ecs/api:log-stream:web/1", 10, false, ["logs:CreateLogStream", "logs:DeleteLogGroup"]),
        new("lambda:InvokeFunction", $"arn:aws:lambda:{Region}:{Account}:function:handler", 9, true, ["lambda:GetFunction", "lambda:UpdateFunctionCode"]),
    ];

    public static readonly string[] SourceArns =
    [
        $"arn:aws:cloudwatch:{Region}:{Account}:alarm:HighErrors",
        $"arn:aws:events:{Region}:{Account}:rule/nightly",
        $"arn:aws:sns:{Region}:{Account}:alerts",
    ];

    public static readonly string[] ViaServices = [$"sns.{Region}.amazonaws.com", $"sqs.{Region}.amazonaws.com", $"secretsmanager.{Region}.amazonaws.com"];
}
