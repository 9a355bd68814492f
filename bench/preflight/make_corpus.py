#!/usr/bin/env python3
"""Writes N realistic CloudFormation templates (JSON and YAML, seeded) for the preflight vs cfn-lint benchmark.

usage: make_corpus.py OUT_DIR COUNT [BLOCKS_PER_TEMPLATE]
Each template mixes blocks (network, ECS service with CodeDeploy, database, function, storage, pipeline, logs),
with right and wrong values, like the robustness corpus of the test suite.
"""
import json
import os
import random
import sys


def ref(name):
    return {"Ref": name}


def getatt(resource, attribute):
    return {"Fn::GetAtt": [resource, attribute]}


def sub(text):
    return {"Fn::Sub": text}


def network(r, p, rnd):
    r[f"{p}Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": True}}
    for z in range(rnd.randint(1, 3)):
        r[f"{p}Subnet{z}"] = {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": ref(f"{p}Vpc"), "CidrBlock": f"10.0.{z}.0/24",
                                                                         "AvailabilityZone": {"Fn::Select": [z, {"Fn::GetAZs": ""}]}}}
        r[f"{p}Eip{z}"] = {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}}
        r[f"{p}Nat{z}"] = {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": ref(f"{p}Subnet{z}"), "AllocationId": getatt(f"{p}Eip{z}", "AllocationId")}}
    r[f"{p}FlowLogs"] = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": rnd.choice([7, 14, 30, 45])}}
    r[f"{p}Flow"] = {"Type": "AWS::EC2::FlowLog", "Properties": {"ResourceId": ref(f"{p}Vpc"), "ResourceType": "VPC", "TrafficType": "ALL",
                                                                  "LogDestination": getatt(f"{p}FlowLogs", "Arn"),
                                                                  "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow"}}


def service(r, p, rnd):
    port = rnd.choice([80, 8080, 3000])
    cpu, memory = rnd.choice([("256", "512"), ("512", "1024"), ("1024", "1536"), ("4096", "8192")])
    r[f"{p}TaskRole"] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": rnd.choice(["ecs-tasks.amazonaws.com", "ecs-task.amazonaws.com"])}}]},
        "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/" + rnd.choice(["service-role/AmazonECSTaskExecutionRolePolicy", "AWSCodePipelineFullAccess"]))]}}
    container = {"Name": "api", "Image": rnd.choice(["public.ecr.aws/nginx/nginx:1.27", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.0.0"]),
                 "PortMappings": [{"ContainerPort": port}],
                 "HealthCheck": {"Command": ["CMD-SHELL", f"curl -f http://localhost:{rnd.choice([port, 8081])}/healthz || exit 1"]}}
    r[f"{p}Task"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": {"RequiresCompatibilities": ["FARGATE"], "NetworkMode": "awsvpc", "Cpu": cpu, "Memory": memory,
                                                                         "TaskRoleArn": getatt(f"{p}TaskRole", "Arn"), "ContainerDefinitions": [container]}}
    r[f"{p}Blue"] = {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"Port": port, "Protocol": "HTTP", "TargetType": "ip", "VpcId": "vpc-1"}}
    r[f"{p}Green"] = {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"Port": port, "Protocol": "HTTP", "TargetType": "ip", "VpcId": "vpc-1"}}
    r[f"{p}Lb"] = {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internet-facing", "Subnets": ["subnet-a", "subnet-b"]}}
    r[f"{p}Prod"] = {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"LoadBalancerArn": ref(f"{p}Lb"), "Port": 80, "Protocol": "HTTP",
                                                                                      "DefaultActions": [{"Type": "forward", "TargetGroupArn": ref(f"{p}Blue")}]}}
    r[f"{p}Test"] = {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"LoadBalancerArn": ref(f"{p}Lb"), "Port": 9000, "Protocol": "HTTP",
                                                                                      "DefaultActions": [{"Type": "forward", "TargetGroupArn": ref(f"{p}Green")}]}}
    r[f"{p}Service"] = {"Type": "AWS::ECS::Service", "Properties": {"Cluster": "payments", "TaskDefinition": ref(f"{p}Task"), "DesiredCount": 2, "LaunchType": "FARGATE",
                                                                    "DeploymentController": {"Type": rnd.choice(["CODE_DEPLOY", "ECS"])},
                                                                    "HealthCheckGracePeriodSeconds": 60,
                                                                    "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["subnet-a"]}},
                                                                    "LoadBalancers": [{"ContainerName": "api", "ContainerPort": port, "TargetGroupArn": ref(f"{p}Blue")}]}}
    r[f"{p}Group"] = {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": {
        "ApplicationName": "payments", "ServiceRoleArn": "arn:aws:iam::123456789012:role/codedeploy",
        "DeploymentStyle": {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
        "ECSServices": [{"ClusterName": "payments", "ServiceName": getatt(f"{p}Service", "Name")}],
        "LoadBalancerInfo": {"TargetGroupPairInfoList": [{"TargetGroups": [{"Name": getatt(f"{p}Blue", "TargetGroupName")}, {"Name": getatt(f"{p}Green", "TargetGroupName")}],
                                                          "ProdTrafficRoute": {"ListenerArns": [ref(f"{p}Prod")]},
                                                          "TestTrafficRoute": {"ListenerArns": [ref(f"{p}Test")]}}]}}}


def database(r, p, rnd):
    r[f"{p}Params"] = {"Type": "AWS::RDS::DBParameterGroup", "Properties": {"Family": "postgres16", "Description": "payments",
                                                                            "Parameters": {"log_statement": rnd.choice(["ddl", "all"]), "max_connections": "200"}}}
    r[f"{p}Db"] = {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
                   "Properties": {"Engine": "postgres", "EngineVersion": rnd.choice(["16.9", "15.4", "17.7"]), "DBInstanceClass": "db.t4g.micro",
                                  "AllocatedStorage": "20", "MasterUsername": "payments", "ManageMasterUserPassword": True,
                                  "DBParameterGroupName": ref(f"{p}Params")}}


def function(r, p, rnd):
    runtime = rnd.choice(["nodejs22.x", "nodejs20.x", "python3.13"])
    code = "def handler(event, context):\n    return 1\n" if runtime.startswith("python") else "exports.handler = async () => 1;\n"
    r[f"{p}Role"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}}}
    r[f"{p}Function"] = {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": runtime, "Handler": rnd.choice(["index.handler", "app.handler"]),
                                                                         "Role": getatt(f"{p}Role", "Arn"), "Code": {"ZipFile": code}}}


def storage(r, p, rnd):
    r[f"{p}Bucket"] = {"Type": "AWS::S3::Bucket", "DeletionPolicy": rnd.choice(["Retain", "Delete"]),
                       "Properties": {"VersioningConfiguration": {"Status": "Enabled"},
                                      "LifecycleConfiguration": {"Rules": [{"Id": "r", "Status": "Enabled", "Prefix": "tmp/", "ExpirationInDays": 30}]}}}
    r[f"{p}Repo"] = {"Type": "AWS::ECR::Repository", "DeletionPolicy": "Delete", "Properties": {"EmptyOnDelete": rnd.choice([True, False])}}


def logs(r, p, rnd):
    r[f"{p}Key"] = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": sub("logs.${AWS::Region}.amazonaws.com")}, "Action": "kms:*", "Resource": "*"}]}}}
    for i in range(rnd.randint(1, 4)):
        r[f"{p}Logs{i}"] = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": rnd.choice([7, 30, 45]), "KmsKeyId": getatt(f"{p}Key", "Arn")}}


BLOCKS = [network, service, database, function, storage, logs]


def to_yaml(node, indent=0):
    pad = " " * indent
    if isinstance(node, dict):
        if len(node) == 1:
            (key, value), = node.items()
            if key == "Ref":
                return f"!Ref {value}"
            if key == "Fn::GetAtt":
                return f"!GetAtt {value[0]}.{value[1]}"
            if key == "Fn::Sub" and isinstance(value, str):
                return f"!Sub {json.dumps(value)}"
        if not node:
            return "{}"
        lines = []
        for key, value in node.items():
            rendered = to_yaml(value, indent + 2)
            if isinstance(value, (dict, list)) and value and not rendered.startswith("!"):
                lines.append(f"{pad}{key}:\n{rendered}")
            else:
                lines.append(f"{pad}{key}: {rendered}")
        return "\n".join(lines)
    if isinstance(node, list):
        if not node:
            return "[]"
        lines = []
        for item in node:
            rendered = to_yaml(item, indent + 2)
            if isinstance(item, dict) and item and not rendered.startswith("!"):
                lines.append(f"{pad}-\n{rendered}")
            else:
                lines.append(f"{pad}- {rendered}")
        return "\n".join(lines)
    return json.dumps(node)


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    blocks = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(20261123)
    for i in range(count):
        environment = rnd.choice(["dev", "staging", "prod"])
        resources = {}
        for b in range(blocks):
            rnd.choice(BLOCKS)(resources, f"B{b}", rnd)
        template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"benchmark corpus {i}", "Resources": resources}
        name = os.path.join(out, f"t{i:04d}-{environment}")
        if i % 2 == 0:
            with open(name + ".json", "w") as f:
                json.dump(template, f, indent=1)
        else:
            with open(name + ".yaml", "w") as f:
                f.write(to_yaml(template) + "\n")


if __name__ == "__main__":
    main()
