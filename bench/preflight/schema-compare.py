#!/usr/bin/env python3
"""Preflight's resource-shape rules against cfn-lint's schema rules on a public template corpus.

  schema-compare.py extract MIRROR LIST DIR      write LIST's templates ("repository commit path" lines) under DIR
  schema-compare.py lint DIR LINT_DIR            cfn-lint --format json over DIR in batches (a batch that crashes
                                                 is rerun file by file; files cfn-lint cannot read are listed)
  schema-compare.py preflight DIR OUT_JSON CMD…  run preflight (CMD, e.g. the published binary) on DIR, shape rules only
  schema-compare.py compare DIR PREFLIGHT_JSON LINT_DIR   print agreement counts and every disagreement (markdown)

MIRROR holds bare git directories named owner+repo (with a repo/ git dir inside, or bare itself); files are read
with `git show COMMIT:PATH` (a mirror may miss blobs the corpus does not need, so no `git archive`).
The corpus list is bench/preflight/public-corpus.txt; templates are not committed.

Compared, finding by finding (template, path into the template):
  unknown property   cfn-lint E3002 "Additional properties are not allowed"   preflight PF010
  missing required   cfn-lint E3003                                          preflight PF011 (path + key name)
  wrong type         cfn-lint E3012                                          preflight PF003 (schema type findings)
  enum value         cfn-lint E3030                                          preflight PF012
  unknown type       cfn-lint E3006                                          preflight PF013
cfn-lint's E3001 (keys of the resource itself) and E3002 format checks have no preflight counterpart; they are
counted separately.
"""
import collections
import glob
import json
import os
import re
import subprocess
import sys

KINDS = ["unknown property", "missing required", "wrong type", "enum value", "unknown type"]
PREFLIGHT_RULES = {"PF010": "unknown property", "PF011": "missing required", "PF012": "enum value", "PF013": "unknown type"}
UNEXPECTED = re.compile(r"Additional properties are not allowed \('([^']+)' was unexpected\)")
REQUIRED = re.compile(r"'([^']+)' is a required property")
PF_REQUIRED = re.compile(r"has no (\S+), which the resource schema requires")


def git_dir(mirror, repo):
    base = os.path.join(mirror, repo.replace("/", "+"))
    inner = os.path.join(base, "repo")
    return inner if os.path.exists(os.path.join(inner, "HEAD")) else base


def corpus_lines(path):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            repo, commit, file = line.split(" ", 2)
            yield repo, commit, file


def extract(mirror, listing, out):
    count = 0
    for repo, commit, path in corpus_lines(listing):
        blob = subprocess.run(["git", "--git-dir", git_dir(mirror, repo), "show", f"{commit}:{path}"], capture_output=True)
        if blob.returncode != 0:
            print(f"missing: {repo} {path}", file=sys.stderr)
            continue
        target = os.path.join(out, repo.replace("/", "+"), path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(blob.stdout)
        count += 1
    print(f"extracted {count} templates into {out}")


def templates(directory):
    return sorted(p for p in glob.glob(os.path.join(directory, "**", "*"), recursive=True) if os.path.isfile(p))


def lint(directory, out):
    os.makedirs(out, exist_ok=True)
    files = templates(directory)
    crashed = []

    def run(batch, name):
        result = subprocess.run(["cfn-lint", "--format", "json", "--", *batch], capture_output=True, text=True)
        if result.returncode & 1:
            return False
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(result.stdout or "[]")
        return True

    for start in range(0, len(files), 40):
        batch = files[start:start + 40]
        if not run(batch, f"batch-{start:05d}.json"):
            for i, file in enumerate(batch):
                if not run([file], f"batch-{start:05d}-{i:02d}.json"):
                    crashed.append(file)
    with open(os.path.join(out, "crashed.txt"), "w", encoding="utf-8") as f:
        f.writelines(c + "\n" for c in crashed)
    print(f"cfn-lint: {len(files)} templates, {len(crashed)} it could not check")


def preflight(directory, out, command):
    subprocess.run([*command, "check", directory, "--format", "json", "--include", "PF003,PF010,PF011,PF012,PF013",
                    "--non-zero-exit-code", "none", "--output", out], check=True)


def key(path):
    return "/".join(str(p) for p in path)


def lint_findings(directory, lint_dir):
    crashed = {os.path.normpath(line.strip()) for line in open(os.path.join(lint_dir, "crashed.txt"), encoding="utf-8") if line.strip()}
    checked = {os.path.normpath(f) for f in templates(directory)} - crashed
    found, other = [], collections.Counter()
    for name in sorted(glob.glob(os.path.join(lint_dir, "*.json"))):
        for finding in json.load(open(name, encoding="utf-8")):
            rule, message = finding["Rule"]["Id"], finding["Message"]
            path = key(finding["Location"].get("Path") or [])
            file = os.path.normpath(finding["Filename"])
            if rule == "E3002" and (m := UNEXPECTED.search(message)):
                found.append((file, "unknown property", path if path.endswith("/" + m.group(1)) else f"{path}/{m.group(1)}", message))
            elif rule == "E3003" and (m := REQUIRED.search(message)):
                found.append((file, "missing required", f"{re.sub('/Properties$', '', path)}#{m.group(1)}", message))
            elif rule == "E3012":
                found.append((file, "wrong type", path, message))
            elif rule == "E3030":
                found.append((file, "enum value", path, message))
            elif rule == "E3006":
                found.append((file, "unknown type", re.sub("/Type$", "", path) + "/Type", message))
            elif rule in ("E3001", "E3002"):
                other[f"{rule} {'resource keys' if rule == 'E3001' else 'formats'}"] += 1
    return checked, found, other


def preflight_findings(report):
    found = []
    for finding in json.load(open(report, encoding="utf-8"))["findings"]:
        rule, message, path = finding["ruleId"], finding["message"], finding.get("path") or ""
        file = os.path.normpath(finding["template"])
        if rule == "PF003" and "resource schema type" in message:
            found.append((file, "wrong type", path, message))
        elif rule == "PF011" and (m := PF_REQUIRED.search(message)):
            found.append((file, "missing required", f"{re.sub('/Properties$', '', path)}#{m.group(1)}", message))
        elif rule in PREFLIGHT_RULES and rule != "PF011":
            found.append((file, PREFLIGHT_RULES[rule], path, message))
    return found


def compare(directory, report, lint_dir):
    checked, lint_found, other = lint_findings(directory, lint_dir)
    pf_found = [f for f in preflight_findings(report) if f[0] in checked]
    lint_keys = {(f[0], f[1], f[2]): f[3] for f in lint_found}
    pf_keys = {(f[0], f[1], f[2]): f[3] for f in pf_found}
    print(f"Templates both tools checked: {len(checked)} (cfn-lint could not check {len(templates(directory)) - len(checked)})\n")
    print("| Kind | Both | cfn-lint only | preflight only |")
    print("|---|---|---|---|")
    for kind in KINDS:
        both = sum(1 for k in lint_keys if k[1] == kind and k in pf_keys)
        only_lint = sum(1 for k in lint_keys if k[1] == kind and k not in pf_keys)
        only_pf = sum(1 for k in pf_keys if k[1] == kind and k not in lint_keys)
        print(f"| {kind} | {both} | {only_lint} | {only_pf} |")
    print("\nNo preflight counterpart: " + ", ".join(f"{k}: {v}" for k, v in sorted(other.items())) + "\n")
    for title, mine, theirs in (("cfn-lint only", lint_keys, pf_keys), ("preflight only", pf_keys, lint_keys)):
        print(f"## {title}\n")
        for (file, kind, path), message in sorted(mine.items(), key=lambda item: (item[0][1], item[0][0], item[0][2])):
            if (file, kind, path) not in theirs:
                print(f"- {kind} · {os.path.relpath(file, directory)} · `{path}` · {message[:160]}")
        print()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    command, args = sys.argv[1], sys.argv[2:]
    if command == "extract" and len(args) == 3:
        extract(*args)
    elif command == "lint" and len(args) == 2:
        lint(*args)
    elif command == "preflight" and len(args) >= 3:
        preflight(args[0], args[1], args[2:])
    elif command == "compare" and len(args) == 3:
        compare(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
