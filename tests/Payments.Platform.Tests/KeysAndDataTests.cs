using Payments.Platform.Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class KeysAndDataTests(SynthesizedEnvironments app)
{
    public static TheoryData<string> Environments => new() { "dev", "staging", "prod" };

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_key_rotates_and_carries_the_environment_in_its_alias(string env)
    {
        Assert.True(app.One(env, "AWS::KMS::Key").Props()["EnableKeyRotation"]!.GetValue<bool>());
        Assert.Equal($"alias/payments-{env}", app.One(env, "AWS::KMS::Alias").Props()["AliasName"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_key_policy_grants_cloudwatch_logs_of_the_region_for_this_accounts_log_groups(string env)
    {
        var statements = app.One(env, "AWS::KMS::Key").Props()["KeyPolicy"]!["Statement"].Items().ToList();
        var logs = statements.Single(s => s["Sid"]?.Str() == "AllowCloudWatchLogs");
        Assert.Equal($"logs.{SynthesizedEnvironments.TestRegion}.amazonaws.com", logs["Principal"]!["Service"].Str());
        Assert.Contains("kms:GenerateDataKey*", logs["Action"].Items().Select(a => a.Str()));
        Assert.Contains($":logs:{SynthesizedEnvironments.TestRegion}:{SynthesizedEnvironments.TestAccount}:log-group:*", logs["Condition"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev", "Delete")]
    [InlineData("staging", "Delete")]
    [InlineData("prod", "Retain")]
    public void The_key_is_destroyed_only_outside_prod(string env, string policy) =>
        Assert.Equal(policy, app.Resources(env, "AWS::KMS::Key").Single().Resource["DeletionPolicy"].Str());

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_log_group_is_encrypted_with_the_environment_key_and_retained_per_table(string env)
    {
        var days = app.Stage(env).Config.LogRetentionDays;
        var groups = app.Resources(env, "AWS::Logs::LogGroup");
        Assert.True(groups.Count >= 6, $"{groups.Count} log groups");
        Assert.All(groups, g =>
        {
            Assert.Equal(app.KeyArnReference(env), g.Resource.Props()["KmsKeyId"].Text());
            Assert.Equal(days, g.Resource.Props()["RetentionInDays"].Number());
        });
    }

    /// <summary>Prod runs Aurora by default; its instance variant is in <see cref="DatabaseTests"/>.</summary>
    public static TheoryData<string> InstanceEnvironments => new() { "dev", "staging" };

    [Theory]
    [InlineData("dev", "db.t3.micro", "20", false, false, 7)]
    [InlineData("staging", "db.t3.small", "50", false, false, 14)]
    public void The_database_follows_the_table(string env, string instanceClass, string storage, bool multiAz, bool deletionProtection, int backups)
    {
        var db = app.One(env, "AWS::RDS::DBInstance").Props();
        Assert.Equal(instanceClass, db["DBInstanceClass"].Str());
        Assert.Equal(storage, db["AllocatedStorage"].Str());
        Assert.Equal("gp3", db["StorageType"].Str());
        Assert.Null(db["Iops"]);
        Assert.Null(db["StorageThroughput"]);
        Assert.Equal(multiAz, db["MultiAZ"]!.GetValue<bool>());
        Assert.Equal(deletionProtection, db["DeletionProtection"]!.GetValue<bool>());
        Assert.Equal(backups, db["BackupRetentionPeriod"].Number());
        Assert.Equal($"payments-{env}-db", db["DBInstanceIdentifier"].Str());
    }

    [Theory]
    [MemberData(nameof(InstanceEnvironments))]
    public void The_database_is_postgres_encrypted_private_and_uses_generated_credentials(string env)
    {
        var db = app.One(env, "AWS::RDS::DBInstance").Props();
        Assert.Equal("postgres", db["Engine"].Str());
        Assert.Equal(Database.EngineFullVersion, db["EngineVersion"].Str());
        Assert.True(db["StorageEncrypted"]!.GetValue<bool>());
        Assert.Equal(app.KeyArnReference(env), db["KmsKeyId"].Text());
        Assert.False(db["PubliclyAccessible"]!.GetValue<bool>());
        Assert.Equal("payments", db["DBName"].Str());
        Assert.Contains("resolve:secretsmanager", db["MasterUserPassword"].Text(), StringComparison.Ordinal);
        Assert.Equal(["postgresql", "upgrade"], db["EnableCloudwatchLogsExports"].Items().Select(e => e.Str()));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_owner_and_the_app_user_have_generated_secrets_encrypted_with_the_environment_key_and_attached_to_the_database(string env)
    {
        foreach (var (name, username) in new[] { ("admin", Database.MasterUsername), ("app", Database.AppUsername) })
        {
            var secret = app.One(env, "AWS::SecretsManager::Secret", s => s.Props()["Name"]?.Text() == $"\"payments-{env}/database/{name}\"").Props();
            Assert.NotNull(secret["GenerateSecretString"]);
            Assert.Contains($"\"username\":\"{username}\"", secret["GenerateSecretString"]!["SecretStringTemplate"].Str(), StringComparison.Ordinal);
            Assert.Null(secret["SecretString"]);
            Assert.Equal(app.KeyArnReference(env), secret["KmsKeyId"].Text());
        }

        var database = app.Stage(env).Config.DatabaseEngine == DatabaseEngine.AuroraPostgresCluster ? "AWS::RDS::DBCluster" : "AWS::RDS::DBInstance";
        Assert.All(app.Resources(env, "AWS::SecretsManager::SecretTargetAttachment"), a => Assert.Equal(database, a.Resource.Props()["TargetType"].Str()));
        Assert.Equal(2, app.Resources(env, "AWS::SecretsManager::SecretTargetAttachment").Count);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_database_lives_in_the_isolated_data_subnets(string env)
    {
        var subnetGroup = app.One(env, "AWS::RDS::DBSubnetGroup").Props();
        Assert.Equal($"payments-{env}-database", subnetGroup["DBSubnetGroupName"].Str());
        var isolated = app.Resources(env, "AWS::EC2::Subnet")
            .Where(s => s.Resource.Props()["Tags"].Items().Any(t => t["Key"].Str() == "aws-cdk:subnet-type" && t["Value"].Str() == "Isolated"))
            .Select(s => s.Id)
            .Order();
        Assert.Equal(isolated, subnetGroup["SubnetIds"].Items().Select(r => r["Ref"].Str()).Order());
    }

    [Theory]
    [MemberData(nameof(InstanceEnvironments))]
    public void The_parameter_group_sets_ddl_logging_forced_tls_and_a_class_relative_cache_size(string env)
    {
        var parameters = app.One(env, "AWS::RDS::DBParameterGroup").Props();
        Assert.Equal("postgres17", parameters["Family"].Str());
        var values = parameters["Parameters"]!.AsObject();
        Assert.Equal("ddl", values["log_statement"].Str());
        Assert.Equal("1", values["rds.force_ssl"].Str());
        Assert.Equal("{DBInstanceClassMemory*3/32768}", values["effective_cache_size"].Str());
    }

    [Theory]
    [InlineData("dev", "Delete")]
    [InlineData("staging", "Delete")]
    public void The_database_is_destroyed_outside_prod(string env, string policy)
    {
        var db = app.Resources(env, "AWS::RDS::DBInstance").Single().Resource;
        Assert.Equal(policy, db["DeletionPolicy"].Str());
        Assert.Equal(policy == "Delete", db.Props()["DeleteAutomatedBackups"]!.GetValue<bool>());
    }

    [Fact]
    public void The_prod_cluster_leaves_a_snapshot()
    {
        Assert.Equal("Snapshot", app.Resources("prod", "AWS::RDS::DBCluster").Single().Resource["DeletionPolicy"].Str());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_database_security_group_admits_postgres_from_the_api_and_worker_tasks_and_the_rotation_functions_only(string env)
    {
        var groups = app.Resources(env, "AWS::EC2::SecurityGroup");
        var dbGroup = groups.Single(g => g.Resource.Props()["GroupName"].Str() == $"payments-{env}-database");
        var ingress = app.Resources(env, "AWS::EC2::SecurityGroupIngress")
            .Where(r => r.Resource.Props()["GroupId"].Text().Contains(dbGroup.Id, StringComparison.Ordinal))
            .Select(r => r.Resource.Props())
            .ToList();
        var sources = ingress.Select(rule => groups.Single(g => rule["SourceSecurityGroupId"].Text().Contains($"\"{g.Id}\"", StringComparison.Ordinal)).Resource.Props()["GroupName"].Str()).Order();
        Assert.Equal([$"payments-{env}-api", $"payments-{env}-database-rotation", $"payments-{env}-worker"], sources);
        Assert.All(ingress, rule =>
        {
            Assert.Equal(5432, rule["FromPort"].Number());
            Assert.Equal(5432, rule["ToPort"].Number());
            Assert.NotNull(rule["SourceSecurityGroupId"]);
        });
        Assert.Null(dbGroup.Resource.Props()["SecurityGroupIngress"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_ecr_repository_is_created_scanned_immutable_encrypted_with_lifecycle(string env)
    {
        var repo = app.One(env, "AWS::ECR::Repository").Props();
        Assert.Equal($"payments-{env}/api", repo["RepositoryName"].Str());
        Assert.True(repo["ImageScanningConfiguration"]!["ScanOnPush"]!.GetValue<bool>());
        Assert.Equal("IMMUTABLE", repo["ImageTagMutability"].Str());
        Assert.Equal("KMS", repo["EncryptionConfiguration"]!["EncryptionType"].Str());
        Assert.Equal(app.KeyArnReference(env), repo["EncryptionConfiguration"]!["KmsKey"].Text());
        var rules = System.Text.Json.Nodes.JsonNode.Parse(repo["LifecyclePolicy"]!["LifecyclePolicyText"].Str())!["rules"].Items().ToList();
        Assert.Contains(rules, r => r["selection"]!["tagStatus"].Str() == "untagged" && r["selection"]!["countType"].Str() == "sinceImagePushed" && r["selection"]!["countNumber"].Number() == 7);
        Assert.Contains(rules, r => r["selection"]!["tagStatus"].Str() == "tagged" && r["selection"]!["countType"].Str() == "imageCountMoreThan" && r["selection"]!["countNumber"].Number() == 10);
    }

    [Theory]
    [InlineData("dev", true)]
    [InlineData("staging", true)]
    [InlineData("prod", false)]
    public void The_ecr_repository_is_emptied_on_delete_only_outside_prod(string env, bool emptied)
    {
        var repo = app.Resources(env, "AWS::ECR::Repository").Single().Resource;
        Assert.Equal(emptied ? "Delete" : "Retain", repo["DeletionPolicy"].Str());
        Assert.Equal(emptied, repo.Props()["EmptyOnDelete"]?.GetValue<bool>() ?? false);
    }

    [Theory]
    [InlineData("dev", 30, 90, 365)]
    [InlineData("staging", 60, 180, 730)]
    [InlineData("prod", 90, 365, 2557)]
    public void The_transaction_log_bucket_tiers_and_expires_per_environment(string env, int ia, int glacier, int expire)
    {
        var bucket = TransactionLogBucket(env).Props();
        var rule = bucket["LifecycleConfiguration"]!["Rules"].Items().Single(r => r["Id"].Str() == "transaction-log-tiering");
        Assert.Equal("transaction-log/", rule["Prefix"].Str());
        Assert.Equal("Enabled", rule["Status"].Str());
        Assert.Equal(expire, rule["ExpirationInDays"].Number());
        var transitions = rule["Transitions"].Items().ToDictionary(t => t["StorageClass"].Str(), t => t["TransitionInDays"].Number());
        Assert.Equal(ia, transitions["STANDARD_IA"]);
        Assert.Equal(glacier, transitions["GLACIER"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_transaction_log_bucket_is_kms_encrypted_private_versioned_and_tls_only(string env)
    {
        var bucket = TransactionLogBucket(env).Props();
        var encryption = bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!;
        Assert.Equal("aws:kms", encryption["ServerSideEncryptionByDefault"]!["SSEAlgorithm"].Str());
        Assert.Equal(app.KeyArnReference(env), encryption["ServerSideEncryptionByDefault"]!["KMSMasterKeyID"].Text());
        var publicAccess = bucket["PublicAccessBlockConfiguration"]!.AsObject();
        Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, k => Assert.True(publicAccess[k]!.GetValue<bool>()));
        Assert.Equal("Enabled", bucket["VersioningConfiguration"]!["Status"].Str());
        Assert.Contains($"payments-{env}-transaction-log-", bucket["BucketName"].Text(), StringComparison.Ordinal);
        var transactionLogBucketId = app.Resources(env, "AWS::S3::Bucket").Single(b => b.Resource.Props()["BucketName"].Text().Contains("transaction-log", StringComparison.Ordinal)).Id;
        var policy = app.One(env, "AWS::S3::BucketPolicy", p => p.Props()["Bucket"]!["Ref"]?.Str() == transactionLogBucketId);
        Assert.Contains(policy.Props()["PolicyDocument"]!["Statement"].Items(), s =>
            s["Effect"].Str() == "Deny" && s["Condition"]!["Bool"]!["aws:SecureTransport"].Str() == "false");
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_transaction_log_bucket_logs_every_request_into_the_environment_log_bucket(string env)
    {
        var transactionLog = app.Resources(env, "AWS::S3::Bucket").Single(b => b.Resource.Props()["BucketName"].Text().Contains("transaction-log", StringComparison.Ordinal));
        var logBucket = app.Resources(env, "AWS::S3::Bucket").Single(b => b.Resource.Props()["BucketName"].Text().Contains("alb-logs", StringComparison.Ordinal));
        var logging = transactionLog.Resource.Props()["LoggingConfiguration"]!;
        Assert.Equal(logBucket.Id, logging["DestinationBucketName"]!["Ref"].Str());
        Assert.Equal("s3/transaction-log/", logging["LogFilePrefix"].Str());
        // S3 can deliver only under a bucket policy (the log bucket has ACLs disabled), for this source bucket and prefix only.
        var policy = app.One(env, "AWS::S3::BucketPolicy", p => p.Props()["Bucket"]!["Ref"]?.Str() == logBucket.Id).Props();
        var delivery = Assert.Single(policy["PolicyDocument"]!["Statement"].Items(), s => s["Principal"]!["Service"]?.Text() == "\"logging.s3.amazonaws.com\"");
        Assert.Equal("s3:PutObject", delivery["Action"].Str());
        Assert.EndsWith("/s3/transaction-log/*\"]]}", delivery["Resource"].Text(), StringComparison.Ordinal);
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{transactionLog.Id}\",\"Arn\"]}}", delivery["Condition"]!["ArnLike"]!["aws:SourceArn"].Text());
        Assert.Null(logBucket.Resource.Props()["AccessControl"]);
        // The server access logs expire with the environment's log retention, like the ALB's.
        var expiry = Assert.Single(logBucket.Resource.Props()["LifecycleConfiguration"]!["Rules"].Items(), r => r["Prefix"].Str() == "s3/");
        Assert.Equal(app.Stage(env).Config.LogRetentionDays, expiry["ExpirationInDays"].Number());
    }

    [Theory]
    [InlineData("dev", true)]
    [InlineData("staging", true)]
    [InlineData("prod", false)]
    public void Bucket_objects_are_auto_deleted_only_outside_prod(string env, bool autoDelete)
    {
        Assert.Equal(autoDelete ? 2 : 0, app.Resources(env, "Custom::S3AutoDeleteObjects").Count);
        Assert.All(app.Resources(env, "AWS::S3::Bucket"), b => Assert.Equal(autoDelete ? "Delete" : "Retain", b.Resource["DeletionPolicy"].Str()));
    }

    private System.Text.Json.Nodes.JsonObject TransactionLogBucket(string env) =>
        app.One(env, "AWS::S3::Bucket", b => b.Props()["BucketName"].Text().Contains("transaction-log", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_secret_is_generated_by_the_stack_and_containers_reference_them_never_by_a_typed_name(string env)
    {
        // Seed 000: secrets created by hand before the deploy.
        var secrets = app.Resources(env, "AWS::SecretsManager::Secret");
        Assert.True(secrets.Count >= 2, $"{env}: {secrets.Count} secrets");
        Assert.All(secrets, s =>
        {
            Assert.NotNull(s.Resource.Props()["GenerateSecretString"]);
            Assert.Null(s.Resource.Props()["SecretString"]);
        });
        // Every secret a container reads is one of ours (a Ref/GetAtt/Join), never a name or ARN typed in.
        var containers = app.Resources(env, "AWS::ECS::TaskDefinition").SelectMany(t => t.Resource.Props()["ContainerDefinitions"].Items());
        Assert.All(containers.SelectMany(c => c["Secrets"].Items()), s => Assert.IsType<System.Text.Json.Nodes.JsonObject>(s["ValueFrom"]));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_bucket_lifecycle_rule_has_a_prefix_or_applies_to_incomplete_uploads_only(string env)
    {
        // Seed 003: S3 rejects a lifecycle rule without a filter.
        var rules = app.Resources(env, "AWS::S3::Bucket").SelectMany(b => b.Resource.Props()["LifecycleConfiguration"]?["Rules"].Items() ?? []).ToList();
        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.True(
            r["Prefix"] is not null || r["AbortIncompleteMultipartUpload"] is not null,
            $"{env}: lifecycle rule {r["Id"]} has neither prefix nor an upload-only scope"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Bucket_names_carry_the_account_and_the_region(string env)
    {
        // Seed 003: bucket names are global; staging in another account or region must not collide.
        Assert.All(app.Resources(env, "AWS::S3::Bucket"), b =>
        {
            var name = b.Resource.Props()["BucketName"].Text();
            Assert.Contains("AWS::AccountId", name, StringComparison.Ordinal);
            Assert.Contains("AWS::Region", name, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("dev", 7)]
    [InlineData("staging", 7)]
    [InlineData("prod", 30)]
    public void The_key_waits_its_environments_deletion_window(string env, int days) =>
        Assert.Equal(days, app.One(env, "AWS::KMS::Key").Props()["PendingWindowInDays"].Number());
}
