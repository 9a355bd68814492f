using Payments.Preflight;

namespace Payments.Platform;

/// <summary>
/// Runs preflight over the cloud assembly right after synthesis, so a template that would fail at
/// deploy time fails <c>cdk synth</c> instead (with file:line messages), never a deployment.
/// </summary>
public static class SynthGate
{
    /// <summary>Set to <c>1</c> to skip the gate (e.g. to inspect a failing template).</summary>
    public const string SkipVariable = "PAYMENTS_SKIP_PREFLIGHT";

    /// <summary>
    /// Runs the engine once over a small template on a thread-pool thread. Almost all of the gate's own
    /// time is JIT-compiling the engine; done while the main thread waits on jsii round trips (the jsii
    /// protocol is synchronous, so one of the cores is idle), the real check later runs on compiled code.
    /// Failures are ignored: the real check reports them.
    /// </summary>
    public static Task WarmUpAsync() => Task.Run(() =>
    {
        var directory = Directory.CreateTempSubdirectory("payments-preflight-warmup-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "WarmUp.template.json"), WarmUpTemplate);
            _ = PreflightEngine.Check([directory.FullName]);
        }
        catch (IOException)
        {
            // a full or read-only temp directory only costs the warm-up
        }
        catch (UnauthorizedAccessException)
        {
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    });

    /// <summary>The resource kinds most of the platform's templates are made of, so their rules' code paths are compiled too.</summary>
    private const string WarmUpTemplate = """
        {
          "Resources": {
            "Key": { "Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
              "Properties": { "EnableKeyRotation": true, "KeyPolicy": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Principal": { "AWS": { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" } }, "Action": "kms:*", "Resource": "*" } ] } } },
            "Logs": { "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete",
              "Properties": { "LogGroupName": "payments-warmup", "RetentionInDays": 7, "KmsKeyId": { "Fn::GetAtt": ["Key", "Arn"] } } },
            "Bucket": { "Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete",
              "Properties": { "VersioningConfiguration": { "Status": "Enabled" } } },
            "Role": { "Type": "AWS::IAM::Role",
              "Properties": { "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" } ] } } },
            "Policy": { "Type": "AWS::IAM::Policy",
              "Properties": { "PolicyName": "warmup", "Roles": [{ "Ref": "Role" }], "PolicyDocument": { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": "s3:GetObject", "Resource": { "Fn::Join": ["", [{ "Fn::GetAtt": ["Bucket", "Arn"] }, "/*"]] } } ] } } },
            "Function": { "Type": "AWS::Lambda::Function", "DependsOn": ["Policy"],
              "Properties": { "Runtime": "nodejs24.x", "Handler": "index.handler", "Role": { "Fn::GetAtt": ["Role", "Arn"] },
                "Code": { "ZipFile": "exports.handler = async () => {};" } } }
          },
          "Outputs": { "BucketName": { "Value": { "Ref": "Bucket" } } }
        }
        """;

    /// <returns>0 when no error finding was reported, 1 otherwise.</returns>
    public static int Check(string assemblyDirectory, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var report = PreflightEngine.Check([assemblyDirectory]);
        foreach (var finding in report.Findings.Where(f => f.Severity != Severity.Info))
        {
            var where = finding.Line is { } line ? $"{finding.Template}:{line}" : finding.Template;
            log.WriteLine($"{where}: {finding.Severity.ToString().ToLowerInvariant()} {finding.RuleId} [{finding.Resource}] {finding.Message}");
        }
        var errors = report.Findings.Count(f => f.Severity == Severity.Error);
        log.WriteLine($"preflight: {report.Templates} template(s), {errors} error(s), {report.Findings.Count(f => f.Severity == Severity.Warning)} warning(s)");
        return report.HasErrors ? 1 : 0;
    }
}
