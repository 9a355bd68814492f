#!/usr/bin/env python3
"""Copies policy documents that our platform synthesizes into plain-JSON fixtures for the differential test.

usage: refresh.py <cdk.out>   (after `npx cdk synth --quiet -o cdk.out`)

sns-default-topic-policy.json is not refreshed: it is the policy SNS itself gives a topic without a topic policy.

Intrinsics are resolved to the fixed account, region and resource names of CaseWorld.cs, so that the simulator
and our model read the same literal documents.
"""
import json
import pathlib
import sys

ACCOUNT, REGION = "111122223333", "eu-west-1"
HERE = pathlib.Path(__file__).parent

# The physical value a reference to a resource of each type stands for (the names CaseWorld.cs uses).
BY_TYPE = {
    ("AWS::SNS::Topic", "Ref"): f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts",
    ("AWS::S3::Bucket", "Arn"): "arn:aws:s3:::payments-logs",
    ("AWS::KMS::Key", "Arn"): f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ("AWS::SecretsManager::Secret", "Ref"): f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf",
    ("AWS::SecretsManager::SecretTargetAttachment", "Ref"): f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf",
    ("AWS::Logs::LogGroup", "Arn"): f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/api:*",
    ("AWS::Logs::LogGroup", "Ref"): "/ecs/api",
}
ROLES = {"ServicesApiExecutionRole": "App"}

# fixture name -> (template, logical ID, property holding the document)
FIXTURES = {
    "platform-key-policy": ("assembly-prod/prodPlatform9E95F178.template.json", "Keys6E9E5904", "KeyPolicy"),
    "delivery-key-policy": ("Delivery.template.json", "Key961B73FD", "KeyPolicy"),
    "alerting-topic-policy": ("assembly-prod/prodPlatform9E95F178.template.json", "AlertingOperationsPolicyEBE6813E", "PolicyDocument"),
    "transaction-log-bucket-policy": ("assembly-prod/prodPlatform9E95F178.template.json", "TransactionLogPolicyE69D9BA2", "PolicyDocument"),
    "edge-access-logs-bucket-policy": ("assembly-prod/prodPlatform9E95F178.template.json", "EdgeAccessLogsPolicy2C816D88", "PolicyDocument"),
    "api-execution-role-policy": ("assembly-prod/prodPlatform9E95F178.template.json", "ServicesApiExecutionRoleDefaultPolicy5B0ABABB", "PolicyDocument"),
    "worker-task-role-policy": ("assembly-prod/prodPlatform9E95F178.template.json", "ServicesWorkerTaskRoleDefaultPolicy0983F570", "PolicyDocument"),
    "approval-action-role-policy": ("Delivery.template.json", "PipelineApproveprodCodePipelineActionRoleDefaultPolicy31C37845", "PolicyDocument"),
}


def resolve(node, resources):
    if isinstance(node, list):
        return [resolve(item, resources) for item in node]
    if isinstance(node, str):
        return node.replace("us-east-1", REGION)
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (name, value), = node.items()
        if name == "Ref":
            return pseudo(value) or reference(value, "Ref", resources)
        if name == "Fn::GetAtt":
            return reference(value[0], value[1], resources)
        if name == "Fn::Join":
            return value[0].join(resolve(part, resources) for part in value[1])
        if name == "Fn::Sub":
            text = value
            for p in ("AWS::AccountId", "AWS::Region", "AWS::Partition"):
                text = text.replace("${" + p + "}", pseudo(p))
            return resolve(text, resources)
    return {key: resolve(value, resources) for key, value in node.items()}


def pseudo(name):
    return {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::URLSuffix": "amazonaws.com"}.get(name)


def reference(logical_id, attribute, resources):
    kind = resources[logical_id]["Type"]
    if kind == "AWS::IAM::Role" and attribute == "Arn":
        name = next((short for prefix, short in ROLES.items() if logical_id.startswith(prefix)), logical_id[:-8])
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"
    return BY_TYPE[(kind, attribute)]


def main():
    out = pathlib.Path(sys.argv[1])
    for name, (template, logical_id, prop) in FIXTURES.items():
        resources = json.loads((out / template).read_text())["Resources"]
        document = resolve(resources[logical_id]["Properties"][prop], resources)
        (HERE / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
