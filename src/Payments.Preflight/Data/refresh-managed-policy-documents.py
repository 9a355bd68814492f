#!/usr/bin/env python3
"""Refreshes managed-policy-documents.json: the documents of the AWS managed policies the permission model reads.

Source: a checkout of the public MAMIP repository (z0ph/MAMIP), which records the default version of every AWS
managed policy as policies/<PolicyName>. Reads only those facts. Usage:
    python3 src/Payments.Preflight/Data/refresh-managed-policy-documents.py MAMIP_DIR [PolicyName ...]
MAMIP_DIR is a work tree or a bare git directory (read at HEAD). Without names it refreshes the policies the
file lists now; names add policies. Each policy is keyed by its ARN path + name (e.g.
"service-role/AmazonECSTaskExecutionRolePolicy"), taken from managed-policies.json. Review the diff, run the tests,
commit.
"""
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "managed-policy-documents.json")


def read_policy(source, name):
    path = os.path.join(source, "policies", name)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    try:
        text = subprocess.run(["git", "--git-dir", source, "show", f"HEAD:policies/{name}"],
                              check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError:
        return None
    return json.loads(text)


def source_date(source):
    try:
        stamp = subprocess.run(["git", "--git-dir", source if not os.path.isdir(os.path.join(source, ".git")) else os.path.join(source, ".git"),
                                "log", "-1", "--format=%cs"], check=True, capture_output=True, text=True).stdout.strip()
        return stamp or datetime.date.today().isoformat()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return datetime.date.today().isoformat()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    source = sys.argv[1]
    with open(os.path.join(HERE, "managed-policies.json"), encoding="utf-8") as handle:
        known = json.load(handle)["policies"]
    full_names = {entry.rsplit("/", 1)[-1]: entry for entry in known}
    current = {}
    if os.path.exists(TARGET):
        with open(TARGET, encoding="utf-8") as handle:
            current = json.load(handle).get("policies", {})
    names = sorted({key.rsplit("/", 1)[-1] for key in current} | set(sys.argv[2:]))
    policies = {}
    for name in names:
        record = read_policy(source, name)
        if record is None:
            print(f"not in the source: {name}", file=sys.stderr)
            continue
        policies[full_names.get(name, name)] = record["PolicyVersion"]["Document"]
    output = {
        "source": "z0ph/MAMIP policies/<name> (default version of each AWS managed policy)",
        "retrieved": source_date(source),
        "policies": dict(sorted(policies.items())),
    }
    with open(TARGET, "w", encoding="utf-8") as handle:
        json.dump(output, handle, indent=1)
        handle.write("\n")
    print(f"wrote {len(policies)} policies to {TARGET}")


if __name__ == "__main__":
    main()
