#!/usr/bin/env python3
"""Public-corpus helper for bench/preflight/public-corpus.sh.

  public_corpus.py list MIRROR LIST        choose the templates at each mirror's HEAD, write LIST
  public_corpus.py extract MIRROR LIST DIR write LIST's templates (at the listed commits) under DIR
  public_corpus.py lint-alone FILES         the templates cfn-lint must lint in a process of their own
  public_corpus.py report LIST DIR PREFLIGHT_JSON CFNLINT_OUT TIMES_JSON PREFLIGHT_RC CFNLINT_CRASHES
                                           print the summary (markdown)

MIRROR holds bare git directories named owner+repo (each with a repo/ git dir inside, or bare itself).
Templates are read with `git cat-file` at the recorded commit, not `git archive`: a mirror may miss
blobs the corpus does not need.

What counts as a template: a file ending .json/.yaml/.yml/.template whose top level names
`AWSTemplateFormatVersion` or `Resources` (a JSON object with that key, a YAML line starting with it),
read from the repository as it is; the list is what the benchmark runs, so it is committed.
"""
import collections
import json
import os
import re
import subprocess
import sys

REPOSITORIES = [
    "aws-cloudformation/aws-cloudformation-templates",
    "widdix/aws-cf-templates",
    "aws-samples/serverless-patterns",
]
EXTENSIONS = (".json", ".yaml", ".yml", ".template")
YAML_TOP = re.compile(rb"^(AWSTemplateFormatVersion|Resources)\s*:", re.M)


def git_dir(mirror, repo):
    base = os.path.join(mirror, repo.replace("/", "+"))
    inner = os.path.join(base, "repo")
    return inner if os.path.exists(os.path.join(inner, "HEAD")) else base


def git(gd, *args, data=None):
    return subprocess.run(["git", "--git-dir", gd, *args], input=data, capture_output=True, check=True).stdout


def read_blobs(gd, commit, paths):
    """Yields (path, bytes or None) through one `git cat-file --batch` process."""
    request = "".join(f"{commit}:{p}\n" for p in paths).encode()
    out = git(gd, "cat-file", "--batch", data=request)
    pos = 0
    for path in paths:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            yield path, None
            continue
        size = int(header[2])
        yield path, out[pos:pos + size]
        pos += size + 1


def is_template(path, blob):
    if path.lower().endswith(".json"):
        try:
            document = json.loads(blob.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            return b'"AWSTemplateFormatVersion"' in blob
        return isinstance(document, dict) and ("Resources" in document or "AWSTemplateFormatVersion" in document)
    return YAML_TOP.search(blob) is not None


def cmd_list(mirror, list_path):
    lines = ["# Public CloudFormation corpus for bench/preflight/public-corpus.sh: repository commit path",
             "# (regenerate with: bench/preflight/public_corpus.py list /work/.mirror bench/preflight/public-corpus.txt)"]
    for repo in REPOSITORIES:
        gd = git_dir(mirror, repo)
        commit = git(gd, "rev-parse", "HEAD").decode().strip()
        names = [n for n in git(gd, "ls-tree", "-r", "--name-only", "-z", "HEAD").decode().split("\0")
                 if n.lower().endswith(EXTENSIONS) and "/node_modules/" not in f"/{n}" and "/cdk.out/" not in f"/{n}"]
        chosen = [p for p, blob in read_blobs(gd, commit, names) if blob is not None and is_template(p, blob)]
        lines += [f"{repo} {commit} {p}" for p in sorted(chosen)]
        print(f"{repo}@{commit[:12]}: {len(chosen)} templates of {len(names)} JSON/YAML files", file=sys.stderr)
    with open(list_path, "w") as f:
        f.write("\n".join(lines) + "\n")


def entries(list_path):
    with open(list_path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                repo, commit, path = line.rstrip("\n").split(" ", 2)
                yield repo, commit, path


def local_name(repo, path):
    return os.path.join(repo.replace("/", "+"), path)


def cmd_extract(mirror, list_path, directory):
    groups = collections.defaultdict(list)
    for repo, commit, path in entries(list_path):
        groups[(repo, commit)].append(path)
    written = 0
    for (repo, commit), paths in groups.items():
        gd = git_dir(mirror, repo)
        for path, blob in read_blobs(gd, commit, paths):
            if blob is None:
                sys.exit(f"extract: {repo}@{commit} has no blob for {path} (fetch the repository again)")
            target = os.path.join(directory, local_name(repo, path))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(blob)
            written += 1
    print(f"extracted {written} templates into {directory}", file=sys.stderr)


def cmd_files(list_path, directory):
    for repo, _, path in entries(list_path):
        print(os.path.join(directory, local_name(repo, path)))


def cmd_lint_alone(files_path):
    """Templates with a null top-level section (`Parameters:` with nothing under it): cfn-lint 1.51 can crash on
    one with an AttributeError, and a crash loses the findings of every template in that process. Read with
    cfn-lint's own decoder, so the screen sees what cfn-lint sees."""
    from cfnlint.decode import decode
    for path in open(files_path).read().split():
        try:
            template, _ = decode(path)
        except Exception:  # cfn-lint reports undecodable files itself
            continue
        if isinstance(template, dict) and any(value is None for value in template.values()):
            print(path)


def cmd_report(list_path, directory, preflight_json, cfnlint_out, times_json, preflight_rc, cfnlint_crashes):
    files = [os.path.join(directory, local_name(r, p)) for r, _, p in entries(list_path)]
    by_repo = collections.Counter(r for r, _, _ in entries(list_path))
    report = json.load(open(preflight_json))
    findings = report["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    crashes = [f for f in findings if f["ruleId"] == "PF006"]
    failing = sorted({f["template"] for f in errors})
    by_rule = collections.Counter(f["ruleId"] for f in errors)
    templates_by_rule = {rule: len({f["template"] for f in errors if f["ruleId"] == rule}) for rule in by_rule}
    lint_errors = collections.Counter()
    lint_failing = set()
    pattern = re.compile(r"^(.*?):\d+:\d+:\d+:\d+:([EWI]\d+):")
    for line in open(cfnlint_out, errors="replace"):
        m = pattern.match(line)
        if m and m.group(2).startswith("E"):
            lint_errors[m.group(2)] += 1
            lint_failing.add(m.group(1))
    times = json.load(open(times_json))
    n = len(files)
    out = []
    out.append(f"Templates: {n} ({', '.join(f'{r} {c}' for r, c in by_repo.items())}); preflight checked {report['templates']}.")
    out.append(f"Preflight crashes: process exit code {preflight_rc} (0–14 are finding bit flags), "
               f"{len(crashes)} rule failure(s) (PF006).")
    out.append(f"Templates with a preflight error finding: {len(failing)} ({100 * len(failing) / n:.1f}%); "
               f"error findings: {len(errors)}; warnings: {sum(f['severity'] == 'warning' for f in findings)}.")
    crashed = [os.path.relpath(p, directory) for p in open(cfnlint_crashes).read().split()]
    out.append(f"cfn-lint: {len(lint_failing)} templates with an error finding ({100 * len(lint_failing) / n:.1f}%), "
               f"{sum(lint_errors.values())} error findings; it crashed on {len(crashed)} template(s)"
               + (f" ({', '.join(crashed)})" if crashed else "") + ".")
    out.append("")
    out.append("| Preflight rule | Error findings | Templates |")
    out.append("|---|---:|---:|")
    for rule, count in sorted(by_rule.items()):
        out.append(f"| {rule} | {count} | {templates_by_rule[rule]} |")
    out.append("")
    out.append("| Wall time, one process | preflight Native AOT (median) | preflight ReadyToRun (median) | cfn-lint (one run) | cfn-lint / fastest preflight |")
    out.append("|---|---:|---:|---:|---:|")
    best = min(t for t in (times.get("aot"), times.get("r2r")) if t)
    ms = lambda t: "—" if not t else f"{t * 1000:.0f} ms"
    out.append(f"| {n} templates | {ms(times.get('aot'))} | {ms(times.get('r2r'))} | "
               f"{ms(times['cfnlint'])} | {times['cfnlint'] / best:.0f}× |")
    print("\n".join(out))
    details = os.path.join(os.path.dirname(preflight_json), "public-corpus-errors.txt")
    with open(details, "w") as f:
        for e in sorted(errors, key=lambda e: (e["ruleId"], e["template"])):
            f.write(f"{e['ruleId']} {os.path.relpath(e['template'], directory)} {e.get('resource') or '-'} {e['message']}\n")
    print(f"(every error finding: {details})", file=sys.stderr)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"list": cmd_list, "extract": cmd_extract, "files": cmd_files, "lint-alone": cmd_lint_alone, "report": cmd_report}[command](*args)
