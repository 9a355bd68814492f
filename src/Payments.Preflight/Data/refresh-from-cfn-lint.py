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


# Resource provider schemas -> resource-schemas.jsonl: only what preflight's shape rules read.
# A shape is {"t": type letters (s string, i integer, n number, b boolean, o object, a array; absent = any),
# "r": definition name ($ref), "i": item shape, "p": {property: shape}, "q": [required], "c": 1 when no other
# keys are allowed (additionalProperties: false without patternProperties), "e": [enum values], "ci": 1 when the
# enum ignores case}. Read-only properties keep their name (known) but no shape: a template never sets them.
TYPE_LETTERS = {"string": "s", "integer": "i", "number": "n", "boolean": "b", "object": "o", "array": "a"}


def provider_types(d, region="us_east_1"):
    """The resource types offered in a region and their schema file, from cfn-lint's provider table (a data literal)."""
    import ast
    import re
    text = open(os.path.join(d, "schemas", "providers", f"{region}.py"), encoding="utf-8").read()
    literal = re.search(r"types: dict\[str, str\] = (\{.*?\n\})", text, re.S)
    if literal is None:
        raise SystemExit(f"no type table in providers/{region}.py")
    return ast.literal_eval(literal.group(1))


def type_letters(value):
    names = value if isinstance(value, list) else [value]
    return "".join(TYPE_LETTERS[n] for n in names if n in TYPE_LETTERS)


def local_ref(ref):
    return ref[len("#/definitions/"):] if isinstance(ref, str) and ref.startswith("#/definitions/") else None


def compact(node, definitions, depth=0):
    """One schema node as a compact shape; alternatives (oneOf/anyOf) merge into one permissive shape."""
    if not isinstance(node, dict) or depth > 30:
        return {}
    ref = local_ref(node.get("$ref"))
    if ref is not None:
        return {"r": ref} if ref in definitions else {}
    shape = {}
    if "type" in node:
        letters = type_letters(node["type"])
        if letters:
            shape["t"] = letters
    if isinstance(node.get("enum"), list) and node["enum"] and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in node["enum"]):
        shape["e"] = [v if isinstance(v, str) else json.dumps(v) for v in node["enum"]]
        if node.get("enumCaseInsensitive"):
            shape["ci"] = 1
    if isinstance(node.get("items"), dict):
        items = compact(node["items"], definitions, depth + 1)
        if items:
            shape["i"] = items
    properties = {name: compact(sub, definitions, depth + 1) for name, sub in (node.get("properties") or {}).items()}
    closed = node.get("additionalProperties") is False and not node.get("patternProperties")
    alternatives = [a for key in ("oneOf", "anyOf") for a in (node.get(key) or [])]
    if alternatives:
        merged = [compact(a, definitions, depth + 1) for a in alternatives]
        resolved = [definitions_shape(m, definitions, depth) for m in merged]
        if "t" not in shape and all(r.get("t") for r in resolved):
            shape["t"] = "".join(sorted(set("".join(r["t"] for r in resolved)), key="sionbao".index))
        for r in resolved:
            for name, sub in r.get("p", {}).items():
                # A name two alternatives shape differently keeps no shape: either may be the one used.
                properties[name] = sub if properties.get(name, sub) == sub else {}
        # Keys are limited only when every alternative limits them (the union of their properties is then allowed).
        closed = closed or (all(r.get("c") for r in resolved) and not node.get("patternProperties"))
    if properties:
        shape["p"] = properties
    required = [r for r in node.get("required") or [] if isinstance(r, str)]
    if required:
        shape["q"] = required
    if closed and "p" in shape:
        shape["c"] = 1
    return shape


def definitions_shape(shape, definitions, depth):
    """Follows a reference one step so alternatives can be merged (definitions are compacted on demand)."""
    seen = 0
    while "r" in shape and seen < 10:
        shape = compact(definitions[shape["r"]], definitions, depth + 1)
        seen += 1
    return shape


def resource_schema(path):
    schema = json.load(open(path, encoding="utf-8"))
    definitions = schema.get("definitions") or {}
    read_only = {p.split("/")[2] for p in schema.get("readOnlyProperties", []) if p.count("/") == 2 and p.startswith("/properties/")}
    root = compact({k: schema[k] for k in ("type", "properties", "required", "additionalProperties", "patternProperties", "oneOf", "anyOf") if k in schema}, definitions)
    for name in read_only & set(root.get("p", {})):
        root["p"][name] = {}
    # Only definitions the shapes reach are kept.
    used, pending, compacted = set(), [root], {}
    while pending:
        shape = pending.pop()
        stack = [shape]
        while stack:
            s = stack.pop()
            if "r" in s and s["r"] not in used:
                used.add(s["r"])
                compacted[s["r"]] = compact(definitions[s["r"]], definitions)
                pending.append(compacted[s["r"]])
            stack.extend(s.get("p", {}).values())
            if "i" in s:
                stack.append(s["i"])
    body = {"root": root}
    if compacted:
        body["d"] = dict(sorted(compacted.items()))
    return body


def write_resource_schemas(d):
    """One JSON line per resource type ([type, schema]) after a header line: preflight indexes the lines and parses
    only the types a template uses."""
    types = provider_types(d)
    out = os.path.join(HERE, "resource-schemas.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        head = header("cfnlint/data/schemas/resources (CloudFormation resource provider schemas, us-east-1, as cfn-lint ships them)")
        f.write(json.dumps({**head, "types": len(types)}, separators=(",", ":")) + "\n")
        for name in sorted(types):
            body = resource_schema(os.path.join(d, "schemas", "resources", f"{types[name]}.json"))
            f.write(json.dumps([name, body], separators=(",", ":"), sort_keys=False) + "\n")


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

    write_resource_schemas(d)

if __name__ == "__main__":
    main()
