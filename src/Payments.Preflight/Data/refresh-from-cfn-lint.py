#!/usr/bin/env python3
"""Refreshes preflight's data files from the facts in an installed cfn-lint's data folder.

Reads only cfn-lint's JSON data (facts), never its code. Usage:
    python3 src/Payments.Preflight/Data/refresh-from-cfn-lint.py [CFNLINT_DATA_DIR]
Without an argument it finds the data folder of the cfn-lint on PATH's Python.
The files it writes carry the cfn-lint version and today's date; review the diff, run the tests, commit.
"""
import datetime
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def data_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    import cfnlint  # noqa: imported only to locate its data folder
    return os.path.join(os.path.dirname(cfnlint.__file__), "data")


def cfnlint_version():
    try:
        from importlib.metadata import version
        return version("cfn-lint")
    except Exception:  # pragma: no cover - informational only
        return "unknown"


def header(source):
    return {
        "source": source,
        "sourceTool": f"cfn-lint {cfnlint_version()}",
        "retrieved": datetime.date.today().isoformat(),
    }


def write(name, body):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(body, f, indent=1, sort_keys=False)
        f.write("\n")


def engine_versions(path):
    doc = json.load(open(path))
    result = {}
    for clause in doc["allOf"]:
        engine = clause["if"]["properties"].get("Engine", {}).get("const")
        versions = clause.get("then", {}).get("properties", {}).get("EngineVersion", {}).get("enum")
        if engine and versions:
            result[engine] = sorted(set(result.get(engine, [])) | set(versions))
    return result


def deprecated_versions(path):
    doc = json.load(open(path))
    result = {}
    for clause in doc["allOf"]:
        props = clause["if"]["properties"]
        engine = props.get("Engine", {}).get("const")
        versions = props.get("EngineVersion", {}).get("enum")
        if engine and versions:
            result[engine] = sorted(set(result.get(engine, [])) | set(versions))
    return result


def main():
    d = data_dir()
    lifecycle = json.load(open(os.path.join(d, "AdditionalSpecs", "LmbdRuntimeLifecycle.json")))
    write("lambda-runtimes.json", {**header("cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json (AWS Lambda runtime deprecation schedule)"), "runtimes": lifecycle})
    # lambda-runtimes-aws.json is curated by hand (AWS's runtime tables); show where the two sources now differ,
    # since preflight errs only after the later date: review whether the curated dates are still current.
    curated = json.load(open(os.path.join(HERE, "lambda-runtimes-aws.json")))["runtimes"]
    for name, dates in sorted(curated.items()):
        ours, theirs = dates.get("create-block"), lifecycle.get(name, {}).get("create-block")
        if ours != theirs:
            print(f"lambda runtime {name}: create-block {theirs} in cfn-lint, {ours} in lambda-runtimes-aws.json")

    policies = json.load(open(os.path.join(d, "Serverless", "ManagedPolicies.json")))
    names = sorted({arn.split(":policy/", 1)[1] for arn in policies.values() if ":policy/" in arn})
    write("managed-policies.json", {**header("cfnlint/data/Serverless/ManagedPolicies.json (AWS managed policies, name and path)"), "policies": names})

    actions = json.load(open(os.path.join(d, "AdditionalSpecs", "Policies.json")))
    write("iam-service-prefixes.json", {**header("cfnlint/data/AdditionalSpecs/Policies.json (IAM service prefixes)"), "prefixes": sorted(actions.keys())})

    stateful = json.load(open(os.path.join(d, "AdditionalSpecs", "StatefulResources.json")))
    write("stateful-resources.json", {**header("cfnlint/data/AdditionalSpecs/StatefulResources.json"), "resourceTypes": sorted(stateful["ResourceTypes"].keys())})

    rds = {}
    for kind, folder in (("instance", "aws_rds_dbinstance"), ("cluster", "aws_rds_dbcluster")):
        base = os.path.join(d, "schemas", "extensions", folder)
        offered = engine_versions(os.path.join(base, "engine_version.json"))
        deprecated = deprecated_versions(os.path.join(base, "engine_version_deprecated.json"))
        rds[kind] = {engine: {"current": [v for v in versions if v not in set(deprecated.get(engine, []))],
                              "deprecated": deprecated.get(engine, [])}
                     for engine, versions in offered.items()}
    write("rds-engine-versions.json", {**header("cfnlint/data/schemas/extensions/aws_rds_{dbinstance,dbcluster}/engine_version*.json (RDS DescribeDBEngineVersions)"), **rds})

    fargate = json.load(open(os.path.join(d, "schemas", "extensions", "aws_ecs_taskdefinition", "fargate_cpu_memory.json")))
    combos = {}
    for option in fargate["then"]["anyOf"]:
        cpu = option["properties"]["Cpu"]["then"]["enum"][0]
        memory = option["properties"]["Memory"]["then"]
        if "enum" in memory:
            combos[cpu] = memory["enum"]
        else:
            combos[cpu] = list(range(memory["minimum"], memory["maximum"] + 1, memory["multipleOf"]))
    write("fargate-cpu-memory.json", {**header("cfnlint/data/schemas/extensions/aws_ecs_taskdefinition/fargate_cpu_memory.json (ECS task size table)"), "memoryMiBByCpuUnits": combos})

    retention = None
    for path in glob.glob(os.path.join(d, "schemas", "resources", "*.json")):
        text = open(path).read()
        if '"AWS::Logs::LogGroup"' in text:
            schema = json.loads(text)
            candidate = schema.get("properties", {}).get("RetentionInDays", {}).get("enum")
            if candidate:
                retention = candidate
                break
    if retention is None:
        raise SystemExit("no AWS::Logs::LogGroup RetentionInDays enum found")
    write("log-retention.json", {**header("cfnlint/data/schemas/resources (AWS::Logs::LogGroup provider schema, RetentionInDays)"), "days": retention})


if __name__ == "__main__":
    main()
