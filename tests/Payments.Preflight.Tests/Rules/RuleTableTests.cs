namespace Payments.Preflight.Tests.Rules;

/// <summary>
/// Per-rule tables beyond the documented examples: each case is a minimal template, the rule it targets and
/// the findings of that rule it must produce, each as "resource | path | message fragment" (resource "-" for
/// findings about the template itself); none for compliant, not applicable, or unknown.
/// </summary>
public sealed class RuleTableTests
{
    public static TheoryData<string, string, string, string[], string?> Cases() => new()
    {
        // PF003 and AWS::LanguageExtensions loops
        { "PF003 Fn::ForEach under the LanguageExtensions transform is not a malformed resource", "PF003", """
            Transform: [ AWS::LanguageExtensions, AWS::Serverless-2016-10-31 ]
            Resources:
              Fn::ForEach::Topics:
                - TopicName
                - [ Success, Failure ]
                - SnsTopic${TopicName}: { Type: AWS::SNS::Topic, Properties: { TopicName: !Ref TopicName } }
              Bucket: { Type: AWS::S3::Bucket, DeletionPolicy: !If [ Prod, Retain, Delete ] }
            """, [], null },
        { "PF003 Fn::ForEach without the transform", "PF003", """
            Resources:
              Fn::ForEach::Topics:
                - TopicName
                - [ Success, Failure ]
                - SnsTopic${TopicName}: { Type: AWS::SNS::Topic }
            """, ["- | Resources/Fn::ForEach::Topics | Fn::ForEach::Topics needs `Transform"], null },
        { "PF003 policy documents given as JSON strings are accepted", "PF003", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: '{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' } }
              Key: { Type: AWS::KMS::Key, Properties: { KeyPolicy: '{"Statement":[]}' } }
            """, [], null },
        { "PF003 policy document given as a list", "PF003", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: [ a ] } }
            """, ["Role | Resources/Role/Properties/AssumeRolePolicyDocument | AssumeRolePolicyDocument of Role (AWS::IAM::Role) must be a mapping"], null },
        { "PF003 Connect rule actions are an object", "PF003", """
            Resources:
              Rule: { Type: AWS::Connect::Rule, Properties: { Actions: { AssignContactCategoryActions: [ {} ] } } }
            """, [], null },
        // PF101: literal service name matching, unknown service names never reported.
        { "PF101 literal ServiceName matches a rolling service", "PF101", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { ServiceName: api } }
              Group: { Type: AWS::CodeDeploy::DeploymentGroup, Properties: { ECSServices: [ { ClusterName: c, ServiceName: api } ] } }
            """, ["Service | Resources/Service/Properties/DeploymentController | service Service is deployed by CodeDeploy deployment group Group"], null },
        { "PF101 service name from an imported value is unknown", "PF101", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { ServiceName: api } }
              Group: { Type: AWS::CodeDeploy::DeploymentGroup, Properties: { ECSServices: [ { ClusterName: c, ServiceName: !ImportValue other } ] } }
            """, [], null },
        { "PF101 controller from a parameter is unknown", "PF101", """
            Parameters: { Controller: { Type: String } }
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: !Ref Controller } } }
              Group: { Type: AWS::CodeDeploy::DeploymentGroup, Properties: { ECSServices: [ { ClusterName: c, ServiceName: !GetAtt Service.Name } ] } }
            """, [], null },
        { "PF101 controller from a parameter default ECS", "PF101", """
            Parameters: { Controller: { Type: String, Default: ECS } }
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: !Ref Controller } } }
              Group: { Type: AWS::CodeDeploy::DeploymentGroup, Properties: { ECSServices: [ { ClusterName: c, ServiceName: !GetAtt Service.Name } ] } }
            """, ["Service | Resources/Service/Properties/DeploymentController | service Service is deployed by CodeDeploy deployment group Group"], null },
        // PF102
        { "PF102 EXTERNAL controller with alarms", "PF102", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: EXTERNAL }, DeploymentConfiguration: { Alarms: { Enable: true, Rollback: true, AlarmNames: [ a ] } } } }
            """, ["Service | Resources/Service/Properties/DeploymentConfiguration/Alarms | service Service uses the EXTERNAL deployment controller, which"], null },
        { "PF102 disabled circuit breaker is accepted", "PF102", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: CODE_DEPLOY }, DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: false, Rollback: false } } } }
            """, [], null },
        { "PF102 rolling service may use the circuit breaker", "PF102", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true } } } }
            """, [], null },
        { "PF102 circuit breaker behind Fn::If is unknown", "PF102", """
            Conditions: { UseBreaker: !Equals [ a, b ] }
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: CODE_DEPLOY }, DeploymentConfiguration: { DeploymentCircuitBreaker: !If [ UseBreaker, { Enable: true, Rollback: true }, !Ref AWS::NoValue ] } } }
            """, [], null },
        { "PF102 alarms Enable from a parameter without default is unknown", "PF102", """
            Parameters: { AlarmsOn: { Type: String } }
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: CODE_DEPLOY }, DeploymentConfiguration: { Alarms: { Enable: !Ref AlarmsOn, Rollback: true, AlarmNames: [ a ] } } } }
            """, [], null },
        { "PF102 alarms Enable from a parameter default true", "PF102", """
            Parameters: { AlarmsOn: { Type: String, Default: "true" } }
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: CODE_DEPLOY }, DeploymentConfiguration: { Alarms: { Enable: !Ref AlarmsOn, Rollback: true, AlarmNames: [ a ] } } } }
            """, ["Service | Resources/Service/Properties/DeploymentConfiguration/Alarms | service Service uses the CODE_DEPLOY deployment controller, which"], null },
        // PF103
        { "PF103 both percents reported", "PF103", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: CODE_DEPLOY }, DeploymentConfiguration: { MinimumHealthyPercent: 50, MaximumPercent: 200 } } }
            """, ["Service | Resources/Service/Properties/DeploymentConfiguration/MaximumPercent | service Service uses the CODE_DEPLOY controller", "Service | Resources/Service/Properties/DeploymentConfiguration/MinimumHealthyPercent | service Service uses the CODE_DEPLOY controller"], null },
        { "PF103 rolling service percents are meaningful", "PF103", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentConfiguration: { MinimumHealthyPercent: 50, MaximumPercent: 200 } } }
            """, [], null },
        // PF104
        { "PF104 empty LoadBalancers list", "PF104", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DeploymentController: { Type: CODE_DEPLOY }, LoadBalancers: [] } }
            """, ["Service | Resources/Service/Properties | service Service uses the CODE_DEPLOY controller but declares no"], null },
        // PF105
        { "PF105 green reachable through a listener rule", "PF105", """
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Prod: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 80, Protocol: HTTP, DefaultActions: [ { Type: forward, TargetGroupArn: !Ref Blue } ] } }
              Test: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 9000, Protocol: HTTP, DefaultActions: [ { Type: fixed-response, FixedResponseConfig: { StatusCode: "404" } } ] } }
              TestRule: { Type: AWS::ElasticLoadBalancingV2::ListenerRule, Properties: { ListenerArn: !Ref Test, Priority: 1, Conditions: [], Actions: [ { Type: forward, TargetGroupArn: !Ref Green } ] } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !Ref Prod ] }
                        TestTrafficRoute: { ListenerArns: [ !Ref Test ] }
            """, [], null },
        { "PF105 test listener's default actions behind Fn::If are unknown", "PF105", """
            Conditions: { Blue: !Equals [ a, a ] }
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Prod: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 80, Protocol: HTTP, DefaultActions: [ { Type: forward, TargetGroupArn: !Ref Blue } ] } }
              Test: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 9000, Protocol: HTTP, DefaultActions: !If [ Blue, [ { Type: forward, TargetGroupArn: !Ref Blue } ], [ { Type: forward, TargetGroupArn: !Ref Green } ] ] } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !Ref Prod ] }
                        TestTrafficRoute: { ListenerArns: [ !Ref Test ] }
            """, [], null },
        { "PF105 an action behind Fn::If is unknown", "PF105", """
            Conditions: { Blue: !Equals [ a, a ] }
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Prod: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 80, Protocol: HTTP, DefaultActions: [ { Type: forward, TargetGroupArn: !Ref Blue } ] } }
              Test: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 9000, Protocol: HTTP, DefaultActions: [ !If [ Blue, { Type: forward, TargetGroupArn: !Ref Blue }, { Type: forward, TargetGroupArn: !Ref Green } ] ] } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !Ref Prod ] }
                        TestTrafficRoute: { ListenerArns: [ !Ref Test ] }
            """, [], null },
        { "PF105 a forwarded target group ARN from a parameter is unknown", "PF105", """
            Parameters: { GreenArn: { Type: String } }
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Prod: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 80, Protocol: HTTP, DefaultActions: [ { Type: forward, TargetGroupArn: !Ref Blue } ] } }
              Test: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 9000, Protocol: HTTP, DefaultActions: [ { Type: forward, ForwardConfig: { TargetGroups: [ { TargetGroupArn: !Ref GreenArn } ] } } ] } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !Ref Prod ] }
                        TestTrafficRoute: { ListenerArns: [ !Ref Test ] }
            """, [], null },
        { "PF105 a listener rule on an imported listener may forward it: unknown", "PF105", """
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Prod: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 80, Protocol: HTTP, DefaultActions: [ { Type: forward, TargetGroupArn: !Ref Blue } ] } }
              Test: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 9000, Protocol: HTTP, DefaultActions: [ { Type: fixed-response, FixedResponseConfig: { StatusCode: "404" } } ] } }
              Other: { Type: AWS::ElasticLoadBalancingV2::ListenerRule, Properties: { ListenerArn: !ImportValue shared-listener, Priority: 1, Conditions: [], Actions: [ { Type: forward, TargetGroupArn: !Ref Green } ] } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !Ref Prod ] }
                        TestTrafficRoute: { ListenerArns: [ !Ref Test ] }
            """, [], null },
        { "PF105 green forwarded nowhere (fixed response only)", "PF105", """
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Prod: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 80, Protocol: HTTP, DefaultActions: [ { Type: forward, TargetGroupArn: !Ref Blue } ] } }
              Test: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Port: 9000, Protocol: HTTP, DefaultActions: [ { Type: fixed-response, FixedResponseConfig: { StatusCode: "404" } } ] } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !Ref Prod ] }
                        TestTrafficRoute: { ListenerArns: [ !Ref Test ] }
            """, ["Group | Resources/Group/Properties/LoadBalancerInfo/TargetGroupPairInfoList | target group Green of deployment group Group is not forwarded by any"], null },
        { "PF105 imported listener is unknown", "PF105", """
            Resources:
              Blue: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Green: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80 } }
              Group:
                Type: AWS::CodeDeploy::DeploymentGroup
                Properties:
                  LoadBalancerInfo:
                    TargetGroupPairInfoList:
                      - TargetGroups: [ { Name: !GetAtt Blue.TargetGroupName }, { Name: !GetAtt Green.TargetGroupName } ]
                        ProdTrafficRoute: { ListenerArns: [ !ImportValue prod-listener ] }
            """, [], null },
        // PF106
        { "PF106 container name not in the task", "PF106", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: web, Image: x, PortMappings: [ { ContainerPort: 8080 } ] } ] } }
              Service: { Type: AWS::ECS::Service, Properties: { TaskDefinition: !Ref Task, LoadBalancers: [ { ContainerName: api, ContainerPort: 8080, TargetGroupArn: arn } ] } }
            """, ["Service | Resources/Service/Properties/LoadBalancers/0/ContainerName | service Service sends load-balancer traffic to container 'api', but"], null },
        { "PF106 container port not mapped", "PF106", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 80 } ] } ] } }
              Service: { Type: AWS::ECS::Service, Properties: { TaskDefinition: !Ref Task, LoadBalancers: [ { ContainerName: api, ContainerPort: 3000, TargetGroupArn: arn } ] } }
            """, ["Service | Resources/Service/Properties/LoadBalancers/0/ContainerPort | service Service sends traffic to port 3000 of container 'api', which"], null },
        { "PF106 port from an unresolvable parameter is unknown", "PF106", """
            Parameters: { Port: { Type: Number } }
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: !Ref Port } ] } ] } }
              Service: { Type: AWS::ECS::Service, Properties: { TaskDefinition: !Ref Task, LoadBalancers: [ { ContainerName: api, ContainerPort: 3000, TargetGroupArn: arn } ] } }
            """, [], null },
        { "PF106 health-check port of a bridge-mode task is the host port: not compared", "PF106", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { NetworkMode: bridge, ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 8080, HostPort: 80 } ] } ] } }
              Group: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 80, Protocol: HTTP, HealthCheckPort: "80" } }
              Service: { Type: AWS::ECS::Service, Properties: { TaskDefinition: !Ref Task, LoadBalancers: [ { ContainerName: api, ContainerPort: 8080, TargetGroupArn: !Ref Group } ] } }
            """, [], null },
        { "PF106 health-check port of an awsvpc task must be mapped", "PF106", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { NetworkMode: awsvpc, ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 8080 } ] } ] } }
              Group: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 8080, Protocol: HTTP, TargetType: ip, HealthCheckPort: "80" } }
              Service: { Type: AWS::ECS::Service, Properties: { TaskDefinition: !Ref Task, LoadBalancers: [ { ContainerName: api, ContainerPort: 8080, TargetGroupArn: !Ref Group } ] } }
            """, ["Group | Resources/Group/Properties/HealthCheckPort | target group Group health-checks port 80, but container 'api' of"], null },
        { "PF106 health-check port traffic-port", "PF106", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { NetworkMode: awsvpc, ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 8080 } ] } ] } }
              Group: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { Port: 8080, Protocol: HTTP, TargetType: ip, HealthCheckPort: traffic-port } }
              Service: { Type: AWS::ECS::Service, Properties: { TaskDefinition: !Ref Task, LoadBalancers: [ { ContainerName: api, ContainerPort: 8080, TargetGroupArn: !Ref Group } ] } }
            """, [], null },
        // PF107
        { "PF107 127.0.0.1 with a wrong port", "PF107", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 8080 } ], HealthCheck: { Command: [ CMD, wget, -q, "http://127.0.0.1:80/healthz" ] } } ] } }
            """, ["Task | Resources/Task/Properties/ContainerDefinitions/0/HealthCheck/Command | the health check of container 'api' calls port 80, but the container"], null },
        { "PF107 matching port", "PF107", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 8080 } ], HealthCheck: { Command: [ CMD-SHELL, "curl -f http://localhost:8080/healthz/live || exit 1" ] } } ] } }
            """, [], null },
        { "PF107 command without a URL is not applicable", "PF107", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: api, Image: x, PortMappings: [ { ContainerPort: 8080 } ], HealthCheck: { Command: [ CMD, /app/healthcheck ] } } ] } }
            """, [], null },
        // PF108
        { "PF108 vCPU/GB notation accepted", "PF108", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { RequiresCompatibilities: [ FARGATE ], Cpu: 1 vCPU, Memory: 2 GB } }
            """, [], null },
        { "PF108 unsupported CPU", "PF108", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { RequiresCompatibilities: [ FARGATE ], Cpu: "300", Memory: "1024" } }
            """, ["Task | Resources/Task/Properties/Cpu | Fargate does not offer 300 CPU units"], null },
        { "PF108 seed 000 original 1024/2048 is valid", "PF108", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { RequiresCompatibilities: [ FARGATE ], Cpu: 1024, Memory: 2048 } }
            """, [], null },
        { "PF108 EC2 tasks are not applicable", "PF108", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { RequiresCompatibilities: [ EC2 ], Cpu: "300", Memory: "77" } }
            """, [], null },
        { "PF108 missing task size on Fargate", "PF108", """
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { RequiresCompatibilities: [ FARGATE ] } }
            """, ["Task | Resources/Task/Properties | Fargate task definition Task must set task-level Cpu and Memory"], null },
        // PF109
        { "PF109 service without load balancers is not applicable", "PF109", """
            Resources:
              Service: { Type: AWS::ECS::Service, Properties: { DesiredCount: 1 } }
            """, [], null },
        // PF201
        { "PF201 retired policy without a near name", "PF201", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/AmazonEC2ContainerServiceFullAccess ] } }
            """, ["R | Resources/R/Properties/ManagedPolicyArns/0 | AWS managed policy 'AmazonEC2ContainerServiceFullAccess' does not"], null },
        { "PF201 never-existing service-role name", "PF201", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/AWSCodePipelineServiceRole ] } }
            """, ["R | Resources/R/Properties/ManagedPolicyArns/0 | AWS managed policy 'AWSCodePipelineServiceRole' does not exist (data"], null },
        { "PF201 renamed with an underscore", "PF201", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/AWSLambdaFullAccess ] } }
            """, ["R | Resources/R/Properties/ManagedPolicyArns/0 | AWS managed policy 'AWSLambdaFullAccess' does not exist (data of"], null },
        { "PF201 a name newer than the data is not an error", "PF201", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/AmazonBedrockBrandNewAgentAccess ] } }
            """, [], null },
        { "PF204 a name newer than the data is a warning", "PF204", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/AmazonBedrockBrandNewAgentAccess ] } }
            """, ["R | Resources/R/Properties/ManagedPolicyArns/0 | AWS managed policy 'AmazonBedrockBrandNewAgentAccess' is not in"], null },
        { "PF204 sure failures are PF201 only", "PF204", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/AWSLambdaFullAccess ] } }
            """, [], null },
        { "PF204 known policy", "PF204", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {}, ManagedPolicyArns: [ arn:aws:iam::aws:policy/ReadOnlyAccess ] } }
            """, [], null },
        { "PF201 Join with partition", "PF201", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { ManagedPolicyArns: [ !Join [ "", [ "arn:", !Ref AWS::Partition, ":iam::aws:policy/AWSCodePipelineServiceRole" ] ] ] } }
            """, ["Role | Resources/Role/Properties/ManagedPolicyArns/0 | AWS managed policy 'AWSCodePipelineServiceRole' does not exist (data"], null },
        { "PF201 missing service-role/ path", "PF201", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { ManagedPolicyArns: [ "arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy" ] } }
            """, ["Role | Resources/Role/Properties/ManagedPolicyArns/0 | AWS managed policy 'AmazonECSTaskExecutionRolePolicy' does not exist"], null },
        { "PF201 customer managed policy is not checked", "PF201", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { ManagedPolicyArns: [ "arn:aws:iam::123456789012:policy/mine", !Ref Policy ] } }
              Policy: { Type: AWS::IAM::ManagedPolicy, Properties: { PolicyDocument: { Statement: [] } } }
            """, [], null },
        { "PF201 current policy with path", "PF201", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { ManagedPolicyArns: [ "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" ] } }
            """, [], null },
        // PF202
        { "PF202 documented mistake is an error", "PF202", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: ecs-task.amazonaws.com }, Action: sts:AssumeRole } ] } } }
            """, ["R | Resources/R/Properties/AssumeRolePolicyDocument | 'ecs-task.amazonaws.com' is not a service principal"], null },
        { "PF202 a principal outside amazonaws.com is an error", "PF202", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: sqs.example.com }, Action: sts:AssumeRole } ] } } }
            """, ["R | Resources/R/Properties/AssumeRolePolicyDocument | 'sqs.example.com' is not a service principal (AWS service principals"], null },
        { "PF202 unrecognized but well-formed principal is not an error", "PF202", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: ecs-taks.amazonaws.com }, Action: sts:AssumeRole } ] } } }
            """, [], null },
        { "PF203 unrecognized but well-formed principal is a warning", "PF203", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: ecs-taks.amazonaws.com }, Action: sts:AssumeRole } ] } } }
            """, ["R | Resources/R/Properties/AssumeRolePolicyDocument | 'ecs-taks.amazonaws.com' is not a service principal preflight knows"], null },
        { "PF203 EKS Pod Identity principal is known", "PF203", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: pods.eks.amazonaws.com }, Action: sts:AssumeRole } ] } } }
            """, [], null },
        { "PF203 sub-principal of a known service is accepted", "PF203", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: [ rds.application-autoscaling.amazonaws.com, tasks.apprunner.amazonaws.com ] }, Action: sts:AssumeRole } ] } } }
            """, [], null },
        { "PF202 regional principal is known", "PF202", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: logs.eu-west-1.amazonaws.com }, Action: sts:AssumeRole } ] } } }
            """, [], null },
        { "PF203 China partition principal is known", "PF203", """
            Resources:
              R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com.cn }, Action: sts:AssumeRole } ] } } }
            """, [], null },
        { "PF202 regional logs principal is real", "PF202", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Action: sts:AssumeRole, Principal: { Service: [ logs.eu-west-1.amazonaws.com, states.amazonaws.com ] } } ] } } }
            """, [], null },
        { "PF202 task role trusting ecs.amazonaws.com", "PF202", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Action: sts:AssumeRole, Principal: { Service: ecs.amazonaws.com } } ] } } }
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { TaskRoleArn: !GetAtt Role.Arn } }
            """, ["Role | Resources/Role/Properties/AssumeRolePolicyDocument | role Role is used as the task role of Task but does not trust"], null },
        { "PF202 lambda role trusting lambda", "PF202", """
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Action: sts:AssumeRole, Principal: { Service: !Sub "lambda.${AWS::URLSuffix}" } } ] } } }
              Function: { Type: AWS::Lambda::Function, Properties: { Role: !GetAtt Role.Arn, Runtime: python3.13, Handler: index.handler, Code: { ZipFile: "def handler(e, c): pass" } } }
            """, [], null },
        { "PF202 principal from a parameter is unknown", "PF202", """
            Parameters: { Principal: { Type: String } }
            Resources:
              Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: { Statement: [ { Effect: Allow, Action: sts:AssumeRole, Principal: { Service: !Ref Principal } } ] } } }
            """, [], null },
        // PF301/PF302
        { "PF301 Aurora cluster version in a gap of the known range", "PF301", """
            Resources:
              Cluster: { Type: AWS::RDS::DBCluster, Properties: { Engine: aurora-postgresql, EngineVersion: "15.1" } }
            """, ["Cluster | Resources/Cluster/Properties/EngineVersion | RDS does not offer aurora-postgresql 15.1 (data of 2026-11-23)"], null },
        { "PF301 version newer than the data of its major is unknown (released since)", "PF301", """
            Resources:
              Cluster: { Type: AWS::RDS::DBCluster, Properties: { Engine: aurora-postgresql, EngineVersion: "15.99" } }
            """, [], null },
        { "PF301 a major version newer than the data is unknown", "PF301", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: postgres, EngineVersion: "19.2" } }
            """, [], null },
        { "PF301 mysql 8.0 patch newer than the data is unknown (8.4 exists)", "PF301", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: MySQL, EngineVersion: "8.0.99" } }
            """, [], null },
        { "PF302 mysql 8.0 suggests the newest 8.0, not 8.4", "PF302", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: mysql, EngineVersion: "8.0.36" } }
            """, ["Db | Resources/Db/Properties/EngineVersion | mysql 8.0.36 is deprecated (data of 2026-11-23)"], null },
        { "PF301 typo below the known range", "PF301", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: postgres, EngineVersion: "17.0" } }
            """, ["Db | Resources/Db/Properties/EngineVersion | RDS does not offer postgres 17.0 (data of 2026-11-23)"], null },
        { "PF301 major version only", "PF301", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: postgres, EngineVersion: "16" } }
            """, [], null },
        { "PF301 cluster member instance takes the cluster's version", "PF301", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: aurora-postgresql, EngineVersion: "1.0", DBClusterIdentifier: !Ref Cluster } }
              Cluster: { Type: AWS::RDS::DBCluster, Properties: { Engine: aurora-postgresql } }
            """, [], null },
        { "PF302 version from parameter default", "PF302", """
            Parameters: { Version: { Type: String, Default: "15.4" } }
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: postgres, EngineVersion: !Ref Version } }
            """, ["Db | Resources/Db/Properties/EngineVersion | postgres 15.4 is deprecated (data of 2026-11-23)"], null },
        { "PF302 current version", "PF302", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: postgres, EngineVersion: "17.7" } }
            """, [], null },
        // PF303/PF304
        { "PF303 enum value outside the list", "PF303", """
            Resources:
              Params: { Type: AWS::RDS::DBParameterGroup, Properties: { Family: postgres17, Description: d, Parameters: { log_statement: everything, rds.force_ssl: "2" } } }
            """, ["Params | Resources/Params/Properties/Parameters/log_statement | log_statement = 'everything' is not allowed for postgres", "Params | Resources/Params/Properties/Parameters/rds.force_ssl | rds.force_ssl = '2' is not allowed for postgres"], null },
        { "PF303 mysql family", "PF303", """
            Resources:
              Params: { Type: AWS::RDS::DBClusterParameterGroup, Properties: { Family: aurora-mysql8.0, Description: d, Parameters: { max_connections: "0", binlog_format: ROW } } }
            """, ["Params | Resources/Params/Properties/Parameters/max_connections | max_connections = 0 is outside the allowed range 1–100000 for mysql"], null },
        { "PF303 unknown parameter names are not checked", "PF303", """
            Resources:
              Params: { Type: AWS::RDS::DBParameterGroup, Properties: { Family: postgres17, Description: d, Parameters: { some_extension.setting: "-5" } } }
            """, [], null },
        { "PF304 on cluster parameter group", "PF304", """
            Resources:
              Params: { Type: AWS::RDS::DBClusterParameterGroup, Properties: { Family: aurora-postgresql16, Description: d, Parameters: { log_statement: ALL } } }
            """, ["Params | Resources/Params/Properties/Parameters/log_statement | parameter group Params logs every statement (log_statement=all)"], null },
        // PF401
        { "PF401 a key-policy statement behind Fn::If may grant CloudWatch Logs: unknown", "PF401", """
            Conditions: { Encrypt: !Equals [ a, a ] }
            Resources:
              Key: { Type: AWS::KMS::Key, Properties: { KeyPolicy: { Statement: [ { Effect: Allow, Principal: { AWS: root }, Action: "kms:*", Resource: "*" }, !If [ Encrypt, { Effect: Allow, Principal: { Service: logs.amazonaws.com }, Action: "kms:*", Resource: "*" }, !Ref AWS::NoValue ] ] } } }
              Logs: { Type: AWS::Logs::LogGroup, Properties: { KmsKeyId: !GetAtt Key.Arn } }
            """, [], null },
        { "PF401 key-policy statements behind Fn::If: unknown", "PF401", """
            Conditions: { Encrypt: !Equals [ a, a ] }
            Resources:
              Key: { Type: AWS::KMS::Key, Properties: { KeyPolicy: { Statement: !If [ Encrypt, [ { Effect: Allow, Principal: { Service: logs.amazonaws.com }, Action: "kms:*", Resource: "*" } ], [] ] } } }
              Logs: { Type: AWS::Logs::LogGroup, Properties: { KmsKeyId: !GetAtt Key.Arn } }
            """, [], null },
        { "PF401 key without a policy", "PF401", """
            Resources:
              Key: { Type: AWS::KMS::Key, Properties: {} }
              Logs: { Type: AWS::Logs::LogGroup, Properties: { KmsKeyId: !GetAtt Key.Arn } }
            """, ["Logs | Resources/Logs/Properties/KmsKeyId | log group Logs is encrypted with key Key, whose key policy does not"], null },
        { "PF401 principal built with Join (CDK style)", "PF401", """
            Resources:
              Key:
                Type: AWS::KMS::Key
                Properties:
                  KeyPolicy:
                    Statement:
                      - { Effect: Allow, Principal: { Service: !Join [ "", [ "logs.", !Ref AWS::Region, ".amazonaws.com" ] ] }, Action: "kms:*", Resource: "*" }
              Logs: { Type: AWS::Logs::LogGroup, Properties: { KmsKeyId: !GetAtt Key.Arn } }
            """, [], null },
        { "PF401 imported key is unknown", "PF401", """
            Resources:
              Logs: { Type: AWS::Logs::LogGroup, Properties: { KmsKeyId: !ImportValue key-arn } }
            """, [], null },
        // PF402
        { "PF402 retention 0", "PF402", """
            Resources:
              Logs: { Type: AWS::Logs::LogGroup, Properties: { RetentionInDays: 0 } }
            """, ["Logs | Resources/Logs/Properties/RetentionInDays | RetentionInDays 0 is not allowed"], null },
        { "PF402 no retention (forever) is fine", "PF402", """
            Resources:
              Logs: { Type: AWS::Logs::LogGroup, Properties: {} }
            """, [], null },
        // PF501/PF502
        { "PF502 node ESM export", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs22.x, Handler: index.main, Code: { ZipFile: "export const main = async () => 1;" } } }
            """, [], null },
        { "PF502 node function not exported", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs22.x, Handler: index.handler, Code: { ZipFile: "exports.onEvent = async () => 1;" } } }
            """, ["F | Resources/F/Properties/Handler | handler 'index.handler' of function F names 'handler', which the"], null },
        { "PF502 code from Join with tokens still checked", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: python3.13, Handler: index.handler, Code: { ZipFile: !Join [ "", [ "import os\nTABLE='", !Ref T, "'\ndef handler(event, context):\n    return TABLE\n" ] ] } } }
              T: { Type: AWS::DynamoDB::Table, Properties: {} }
            """, [], null },
        { "PF502 module.exports object with methods before the handler", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs22.x, Handler: index.handler, Role: r, Code: { ZipFile: "module.exports = { helper() { return 1; }, handler: async (event) => ({ ok: true }) };" } } }
            """, [], null },
        { "PF502 python handler imported from the standard library wrapper", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: python3.12, Handler: index.handler, Role: r, Code: { ZipFile: "from impl import main as handler\n" } } }
            """, [], null },
        { "PF502 node name that appears nowhere", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs22.x, Handler: index.handler, Role: r, Code: { ZipFile: "module.exports = { main: async () => 1 };" } } }
            """, ["F | Resources/F/Properties/Handler | handler 'index.handler' of function F names 'handler', which the"], null },
        { "PF502 packaged code is not applicable", "PF502", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs22.x, Handler: app.handler, Code: { S3Bucket: b, S3Key: k } } }
            """, [], null },
        { "PF501 SAM InlineCode with go runtime", "PF501", """
            Resources:
              F: { Type: AWS::Serverless::Function, Properties: { Runtime: provided.al2023, Handler: bootstrap, InlineCode: "x" } }
            """, ["F | Resources/F/Properties/Runtime | function F has inline code but runtime provided.al2023"], null },
        { "PF501 SAM function takes its Runtime from Globals", "PF501", """
            Transform: AWS::Serverless-2016-10-31
            Globals: { Function: { Runtime: python3.12, Timeout: 10 } }
            Resources:
              F: { Type: AWS::Serverless::Function, Properties: { Handler: index.handler, InlineCode: "def handler(event, context):\n    return 1\n" } }
            """, [], null },
        { "PF501 SAM Globals runtime that cannot run inline code", "PF501", """
            Transform: AWS::Serverless-2016-10-31
            Globals: { Function: { Runtime: java21 } }
            Resources:
              F: { Type: AWS::Serverless::Function, Properties: { Handler: index.handler, InlineCode: "x" } }
            """, ["F | Resources/F/Properties/Runtime | function F has inline code but runtime java21"], null },
        { "PF502 SAM handler from Globals must be defined in the inline code", "PF502", """
            Transform: AWS::Serverless-2016-10-31
            Globals: { Function: { Runtime: nodejs22.x, Handler: index.handler } }
            Resources:
              F: { Type: AWS::Serverless::Function, Properties: { InlineCode: "exports.main = async () => 1;" } }
            """, ["F | Resources/F/Properties/Handler | handler 'index.handler' of function F names 'handler', which the"], null },
        { "PF503 SAM Globals runtime whose creation is blocked", "PF503", """
            Transform: AWS::Serverless-2016-10-31
            Globals: { Function: { Runtime: python3.9 } }
            Resources:
              F: { Type: AWS::Serverless::Function, Properties: { Handler: app.handler, CodeUri: src/ } }
            """, ["F | Resources/F/Properties/Runtime | runtime python3.9 of function F cannot be used to create functions"], null },
        { "PF503 SAM function's own runtime wins over Globals", "PF503", """
            Transform: AWS::Serverless-2016-10-31
            Globals: { Function: { Runtime: python3.9 } }
            Resources:
              F: { Type: AWS::Serverless::Function, Properties: { Runtime: python3.12, Handler: app.handler, CodeUri: src/ } }
            """, [], null },
        // PF503/PF504 by date
        { "PF503 python3.9 blocked", "PF503", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: python3.9, Handler: index.handler, Code: { S3Bucket: b, S3Key: k } } }
            """, ["F | Resources/F/Properties/Runtime | runtime python3.9 of function F cannot be used to create functions"], null },
        { "PF503 CDK provider function", "PF503", """
            Resources:
              CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs18.x, Handler: index.handler, Code: { S3Bucket: b, S3Key: k } } }
            """, ["CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F | Resources/CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F/Properties/Runtime | runtime nodejs18.x of function"], null },
        { "PF503 nodejs20.x while the sources disagree on its block date", "PF503", """
            Resources:
              CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs20.x, Handler: index.handler, Code: { S3Bucket: b, S3Key: k } } }
            """, [], null },
        { "PF503 unknown runtime string is not reported", "PF503", """
            Resources:
              F: { Type: AWS::Lambda::Function, Properties: { Runtime: nodejs99.x, Handler: index.handler, Code: { S3Bucket: b, S3Key: k } } }
            """, [], null },
        // PF601/PF602
        { "PF601 bucket written by a bucket deployment", "PF601", """
            Resources:
              Site: { Type: AWS::S3::Bucket, DeletionPolicy: Delete }
              Deploy: { Type: Custom::CDKBucketDeployment, Properties: { DestinationBucketName: !Ref Site } }
            """, ["Site | Resources/Site/DeletionPolicy | bucket Site is deleted with the stack but is written by bucket"], null },
        { "PF601 retained versioned bucket", "PF601", """
            Resources:
              Bucket: { Type: AWS::S3::Bucket, DeletionPolicy: Retain, Properties: { VersioningConfiguration: { Status: Enabled } } }
            """, [], null },
        { "PF601 default policy is Delete", "PF601", """
            Resources:
              Bucket: { Type: AWS::S3::Bucket, Properties: { VersioningConfiguration: { Status: Enabled } } }
            """, ["Bucket | Resources/Bucket | bucket Bucket is deleted with the stack but is versioned (old"], null },
        { "PF602 retained repository", "PF602", """
            Resources:
              Repo: { Type: AWS::ECR::Repository, DeletionPolicy: Retain }
            """, [], null },
        // PF603/PF604
        { "PF603 name with environment", "PF603", """
            Resources:
              Logs: { Type: AWS::Logs::LogGroup, Properties: { LogGroupName: /payments/dev/api } }
            """, [], null },
        { "PF603 name with stack name is dynamic", "PF603", """
            Resources:
              Logs: { Type: AWS::Logs::LogGroup, Properties: { LogGroupName: !Sub "/payments/${AWS::StackName}/api" } }
            """, [], null },
        { "PF603 name from parameter default is still per deployment", "PF603", """
            Parameters: { Name: { Type: String, Default: payments } }
            Resources:
              Repo: { Type: AWS::ECR::Repository, Properties: { RepositoryName: !Ref Name, EmptyOnDelete: true } }
            """, [], null },
        { "PF603 fixed bucket name", "PF603", """
            Resources:
              Bucket: { Type: AWS::S3::Bucket, DeletionPolicy: Retain, Properties: { BucketName: payments-artifacts } }
            """, ["Bucket | Resources/Bucket/Properties/BucketName | Bucket has the fixed BucketName 'payments-artifacts' with no"], null },
        { "PF604 RetainExceptOnCreate with fixed name", "PF604", """
            Resources:
              Table: { Type: AWS::DynamoDB::Table, DeletionPolicy: RetainExceptOnCreate, Properties: { TableName: payments-prod-ledger } }
            """, ["Table | Resources/Table/Properties/TableName | Table is retained on delete and named 'payments-prod-ledger'"], null },
        // PF605 environment sources
        { "PF605 production is not reported", "PF605", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, DeletionPolicy: Retain, Properties: { DeletionProtection: true } }
            """, [], "prod" },
        { "PF605 unknown environment is not reported", "PF605", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, DeletionPolicy: Retain, Properties: { DeletionProtection: true } }
            """, [], "" },
        { "PF605 retain and protection both reported", "PF605", """
            Resources:
              Db: { Type: AWS::RDS::DBInstance, DeletionPolicy: Retain, Properties: { DeletionProtection: true } }
              Lb: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: { LoadBalancerAttributes: [ { Key: deletion_protection.enabled, Value: "true" } ] } }
            """, ["Db | Resources/Db/DeletionPolicy | Db (AWS::RDS::DBInstance) is retained on delete in non-production", "Db | Resources/Db/Properties/DeletionProtection | Db has deletion protection in non-production environment 'staging'", "Lb | Resources/Lb/Properties/LoadBalancerAttributes | Lb has deletion protection in non-production environment 'staging'"], "staging" },
        // PF701
        { "PF701 ssm dynamic reference and ECR image", "PF701", """
            Resources:
              Task:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: api
                      Image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payment-api:1.2.3
                      Environment: [ { Name: URL, Value: "{{resolve:ssm:/payments/url}}" } ]
            """, ["Task | Resources/Task/Properties/ContainerDefinitions/0/Environment/0/Value | SSM parameter '/payments/url' (dynamic reference {{resolve:ssm:…}})", "Task | Resources/Task/Properties/ContainerDefinitions/0/Image | ECR image"], null },
        { "PF701 image from a repository of the same stack", "PF701", """
            Resources:
              Repo: { Type: AWS::ECR::Repository, Properties: { EmptyOnDelete: true } }
              Task:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: api
                      Image: !Join [ "", [ !GetAtt Repo.RepositoryUri, ":latest" ] ]
            """, ["Task | Resources/Task/Properties/ContainerDefinitions/0/Image | an image in ECR repository Repo, which this stack creates empty"], null },
        { "PF701 CDK asset image and bootstrap parameter are not listed", "PF701", """
            Parameters:
              BootstrapVersion: { Type: "AWS::SSM::Parameter::Value<String>", Default: /cdk-bootstrap/hnb659fds/version }
            Resources:
              Task:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: api
                      Image: !Sub "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}:abc123"
            """, [], null },
        { "PF701 SSM parameter type default and certificate ARN", "PF701", """
            Parameters:
              Ami: { Type: "AWS::SSM::Parameter::Value<String>", Default: /payments/ami }
            Resources:
              Listener: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Protocol: HTTPS, Certificates: [ { CertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666" } ] } }
            """, ["- | Parameters/Ami/Default | SSM parameter '/payments/ami' (default of parameter Ami) must exist", "Listener | Resources/Listener/Properties/Certificates/0/CertificateArn | ACM certificate"], null },
        { "PF701 secret by name in a dynamic reference", "PF701", """
            Resources:
              Pipeline: { Type: AWS::CodePipeline::Pipeline, Properties: { Stages: [ { Name: Source, Actions: [ { Name: S, Configuration: { OAuthToken: "{{resolve:secretsmanager:github-token:SecretString:token}}" } } ] } ] } }
            """, ["Pipeline | Resources/Pipeline/Properties/Stages/0/Actions/0/Configuration/OAuthToken | secret 'github-token' (dynamic reference"], null },
        { "PF701 secret and certificate ARNs as parameter defaults", "PF701", """
            Parameters:
              DbSecret: { Type: String, Default: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/db-AbCdEf" }
              Certificate: { Type: String, Default: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666" }
              Plain: { Type: String, Default: payments }
            Resources:
              Task: { Type: AWS::ECS::TaskDefinition, Properties: { ContainerDefinitions: [ { Name: api, Image: nginx, Secrets: [ { Name: DB, ValueFrom: !Ref DbSecret } ] } ] } }
            """, ["- | Parameters/Certificate/Default | ACM certificate", "- | Parameters/DbSecret/Default | secret 'payments/db-AbCdEf'"], null },
        { "PF701 dynamic reference to a secret of the same stack", "PF701", """
            Resources:
              Secret: { Type: AWS::SecretsManager::Secret, Properties: { GenerateSecretString: {} } }
              Db: { Type: AWS::RDS::DBInstance, Properties: { MasterUserPassword: !Sub "{{resolve:secretsmanager:${Secret}:SecretString:password}}", Other: !Join [ "", [ "{{resolve:secretsmanager:", !Ref Secret, ":SecretString:password}}" ] ] } }
            """, [], null },
        // PF801/PF802
        { "PF801 webhook", "PF801", """
            Resources:
              Hook: { Type: AWS::CodePipeline::Webhook, Properties: { Authentication: GITHUB_HMAC } }
            """, ["Hook | Resources/Hook/Properties/Authentication | webhook Hook registers a GitHub version-1 webhook"], null },
        { "PF802 CodeCommit source action", "PF802", """
            Resources:
              Pipeline: { Type: AWS::CodePipeline::Pipeline, Properties: { Stages: [ { Name: Source, Actions: [ { Name: S, ActionTypeId: { Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1" } } ] } ] } }
            """, ["Pipeline | Resources/Pipeline/Properties/Stages/0/Actions/0/ActionTypeId | pipeline Pipeline sources from CodeCommit, which was closed to new"], null },
        // PF803
        { "PF803 destinations chosen by Fn::If per condition are unknown", "PF803", """
            Conditions: { ToS3: !Equals [ a, b ] }
            Resources:
              FlowLog:
                Type: AWS::EC2::FlowLog
                Properties:
                  ResourceId: vpc-1
                  ResourceType: VPC
                  TrafficType: ALL
                  LogDestination: !If [ ToS3, "arn:aws:s3:::flow-logs", !Ref AWS::NoValue ]
                  LogGroupName: !If [ ToS3, !Ref AWS::NoValue, flow-logs ]
                  DeliverLogsPermissionArn: !If [ ToS3, !Ref AWS::NoValue, "arn:aws:iam::123456789012:role/flow" ]
            """, [], null },
        { "PF803 s3 with log group name", "PF803", """
            Resources:
              Bucket: { Type: AWS::S3::Bucket, DeletionPolicy: Retain }
              Flow: { Type: AWS::EC2::FlowLog, Properties: { LogDestinationType: s3, LogDestination: !GetAtt Bucket.Arn, LogGroupName: flows } }
            """, ["Flow | Resources/Flow/Properties/LogGroupName | flow log Flow (s3)"], null },
        { "PF803 s3 destination pointing at a log group", "PF803", """
            Resources:
              Logs: { Type: AWS::Logs::LogGroup }
              Flow: { Type: AWS::EC2::FlowLog, Properties: { LogDestinationType: s3, LogDestination: !GetAtt Logs.Arn } }
            """, ["Flow | Resources/Flow/Properties/LogDestination | flow log Flow (s3)"], null },
        { "PF803 log group name with role", "PF803", """
            Resources:
              Flow: { Type: AWS::EC2::FlowLog, Properties: { LogGroupName: flows, DeliverLogsPermissionArn: arn:aws:iam::123456789012:role/r } }
            """, [], null },
        // PF804/PF805
        { "PF804 rule with only a filter and status", "PF804", """
            Resources:
              Bucket: { Type: AWS::S3::Bucket, DeletionPolicy: Retain, Properties: { LifecycleConfiguration: { Rules: [ { Status: Enabled, TagFilters: [ { Key: a, Value: b } ] }, { Status: Enabled, Prefix: x, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } } ] } } }
            """, ["Bucket | Resources/Bucket/Properties/LifecycleConfiguration/Rules/0 | lifecycle rule 0 of bucket Bucket has no action"], null },
        { "PF805 empty prefix states the whole bucket", "PF805", """
            Resources:
              Bucket: { Type: AWS::S3::Bucket, DeletionPolicy: Retain, Properties: { LifecycleConfiguration: { Rules: [ { Status: Enabled, Prefix: "", ExpirationInDays: 1 } ] } } }
            """, [], null },
        // PF806/PF807
        { "PF806 TLS listener", "PF806", """
            Resources:
              L: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { Protocol: TLS, Port: 443 } }
            """, ["L | Resources/L/Properties/Protocol | TLS listener L has no certificate"], null },
        { "PF807 internal load balancer is not reported", "PF807", """
            Resources:
              Lb: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: { Scheme: internal } }
              L: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { LoadBalancerArn: !Ref Lb, Protocol: HTTP, Port: 80, DefaultActions: [ { Type: forward, TargetGroupArn: arn } ] } }
            """, [], "prod" },
        { "PF807 dev is not reported", "PF807", """
            Resources:
              Lb: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: { Scheme: internet-facing } }
              L: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { LoadBalancerArn: !Ref Lb, Protocol: HTTP, Port: 80, DefaultActions: [ { Type: forward, TargetGroupArn: arn } ] } }
            """, [], "dev" },
        // PF901/PF902
        { "PF901 production NAT is not reported", "PF901", """
            Resources:
              Nat: { Type: AWS::EC2::NatGateway, Properties: { SubnetId: s } }
            """, [], "production" },
        { "PF901 three NAT gateways in dev", "PF901", """
            Resources:
              Nat1: { Type: AWS::EC2::NatGateway, Properties: { SubnetId: s } }
              Nat2: { Type: AWS::EC2::NatGateway, Properties: { SubnetId: s } }
              Nat3: { Type: AWS::EC2::NatGateway, Properties: { SubnetId: s } }
            """, ["Nat1 | Resources/Nat1 | NAT gateway Nat1 in non-production environment 'dev' costs about", "Nat2 | Resources/Nat2 | NAT gateway Nat2 in non-production environment 'dev' costs about", "Nat3 | Resources/Nat3 | NAT gateway Nat3 in non-production environment 'dev' costs about"], "dev" },
        { "PF902 interface endpoint in pr environment", "PF902", """
            Resources:
              E: { Type: AWS::EC2::VPCEndpoint, Properties: { VpcEndpointType: Interface, ServiceName: com.amazonaws.eu-west-1.logs, SubnetIds: [ a, b, c ] } }
            """, ["E | Resources/E/Properties/VpcEndpointType | interface endpoint E for com.amazonaws.eu-west-1.logs in"], "pr4918" },
        // PF003
        { "PF003 resources as a list", "PF003", """
            Resources: [ a, b ]
            """, ["- | Resources | Resources must be a mapping of logical IDs to resources"], null },
        { "PF003 empty resources", "PF003", """
            Resources: {}
            """, ["- | Resources | Resources is empty"], null },
        { "PF003 unknown deletion policy", "PF003", """
            Resources:
              B: { Type: AWS::S3::Bucket, DeletionPolicy: Keep }
            """, ["B | Resources/B/DeletionPolicy | DeletionPolicy 'Keep' of B is not one of Delete, Retain, Snapshot,"], null },
        { "PF003 a number for the transform's name", "PF003", """
            Transform: 5
            Resources:
              Q: { Type: AWS::SQS::Queue }
            """, ["- | Transform | Transform is the number 5, not a transform name"], null },
        { "PF003 entries of a transform list that name no transform", "PF003", """
            Transform: [ AWS::Serverless-2016-10-31, { Name: { a: b } }, [ AWS::LanguageExtensions ], { Parameters: { a: 1 } }, ~ ]
            Resources:
              Q: { Type: AWS::SQS::Queue }
            """, ["- | Transform/1/Name | Transform/1/Name is a mapping, not a transform name", "- | Transform/2 | Transform/2 is a list, not a transform name",
                  "- | Transform/3 | Transform/3 is a mapping without a Name, not a transform name", "- | Transform/4 | Transform/4 is null, not a transform name"], null },
        { "PF003 transforms named by strings, alone, listed or with parameters", "PF003", """
            Transform: [ AWS::Serverless-2016-10-31, { Name: AWS::Include, Parameters: { Location: s3://bucket/key } }, "5" ]
            Resources:
              Q: { Type: AWS::SQS::Queue }
            """, [], null },
        { "PF003 an empty Transform section, like an empty Parameters", "PF003", """
            Transform:
            Resources:
              Q: { Type: AWS::SQS::Queue }
            """, [], null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_reports_the_expected_findings(string name, string ruleId, string yaml, string[] expected, string? environment)
    {
        var findings = TestTemplates.Check(yaml, environment: environment is null ? "dev" : environment.Length == 0 ? null : environment)
            .Where(f => f.RuleId == ruleId)
            .OrderBy(f => f.Resource ?? "-", StringComparer.Ordinal).ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        Assert.True(expected.Length == findings.Count, $"{name}: expected {expected.Length} {ruleId} finding(s), got {findings.Count}: {string.Join(" | ", findings.Select(f => f.Message))}");
        foreach (var (finding, expectation) in findings.Zip(expected.Order(StringComparer.Ordinal)))
        {
            var parts = expectation.Split(" | ", 3);
            Assert.Equal((parts[0], parts[1]), (finding.Resource ?? "-", finding.Path));
            Assert.Contains(parts[2], finding.Message, StringComparison.Ordinal);
            Assert.NotNull(finding.Line);
        }
    }

    [Fact]
    public void CodeCommit_repository_is_a_warning_with_the_closure_date()
    {
        // AWS's own samples create CodeCommit repositories; whether that works depends on the account.
        var finding = Assert.Single(TestTemplates.CheckRule("""
            Resources:
              Repo: { Type: AWS::CodeCommit::Repository, Properties: { RepositoryName: app } }
            """, "PF802"));
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("2024-07-25", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", Severity.Warning, "its invocations fail")]
    [InlineData("  Setup: { Type: Custom::Setup, Properties: { ServiceToken: !GetAtt Fn.Arn } }\n", Severity.Error, "backs a custom resource")]
    [InlineData("  Setup: { Type: AWS::CloudFormation::CustomResource, Properties: { ServiceToken: !Sub '${Fn.Arn}' } }\n", Severity.Error, "backs a custom resource")]
    [InlineData("  Setup: { Type: Custom::Setup, Properties: { ServiceToken: !ImportValue shared-provider } }\n", Severity.Warning, "its invocations fail")]
    public void Inline_handler_mismatch_is_an_error_only_where_cloudformation_invokes_the_function(string customResource, Severity severity, string fragment)
    {
        // As in aws-samples' strands-agentcore-lambda: the function is created fine; only its invocations fail.
        var yaml = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.13\n      Handler: agent.handler.lambda_handler\n      Role: arn:aws:iam::123456789012:role/r\n      Code:\n        ZipFile: |\n          def lambda_handler(event, context):\n              return {}\n" + customResource;
        var finding = Assert.Single(TestTemplates.CheckRule(yaml, "PF502"));
        Assert.Equal(severity, finding.Severity);
        Assert.Contains(fragment, finding.Message, StringComparison.Ordinal);
        Assert.Contains("index.lambda_handler", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deprecated_mysql_version_suggests_the_newest_of_its_own_major_version()
    {
        var finding = Assert.Single(TestTemplates.CheckRule("""
            Resources:
              Db: { Type: AWS::RDS::DBInstance, Properties: { Engine: mysql, EngineVersion: "8.0.36" } }
            """, "PF302"));
        Assert.Matches(@"Use 8\.0\.\d+\.$", finding.Message);
    }

    [Fact]
    public void Log_retention_a_template_builds_long_is_judged_and_quoted_as_an_excerpt()
    {
        // Far longer than any retention, well within what the resolver builds.
        var finding = Assert.Single(TestTemplates.CheckRule($$"""
            Resources:
              Logs: { Type: AWS::Logs::LogGroup, Properties: { RetentionInDays: !Join ["", ["1", "{{new string('0', 600_000)}}"]] } }
            """, "PF402"));

        Assert.StartsWith("RetentionInDays 10000", finding.Message, StringComparison.Ordinal);
        Assert.Contains("0…000", finding.Message, StringComparison.Ordinal);
        Assert.EndsWith("(nearest: 30).", finding.Message, StringComparison.Ordinal);
        Assert.True(finding.Message.Length < 1_000, $"the message is {finding.Message.Length:N0} characters");
    }

    [Theory]
    [InlineData("!Join [\"{{delimiter}}\", [{{items}}]]")]
    [InlineData("!Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: !Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: !Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: !Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: !Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: !Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: !Sub [\"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\", { A: x }] }] }] }] }] }] }]")]
    public void Log_retention_that_would_take_gigabytes_to_spell_out_is_unknown(string value)
    {
        // A Fn::Join and a nested ten-fold Fn::Sub whose values would run to gigabytes if built.
        var yaml = $"Resources:\n  Logs: {{ Type: AWS::Logs::LogGroup, Properties: {{ RetentionInDays: {value} }} }}\n"
            .Replace("{{delimiter}}", new string('x', 10_000), StringComparison.Ordinal)
            .Replace("{{items}}", string.Join(", ", Enumerable.Repeat("a", 100_000)), StringComparison.Ordinal);

        Assert.Empty(TestTemplates.CheckRule(yaml, "PF402"));
    }
}
