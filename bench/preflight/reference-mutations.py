#!/usr/bin/env python3
"""PF014-PF016 judged against cfn-lint: break one reference, one function's shape, or one name, parameter type or
output in each public template.

  reference-mutations.py make CORPUS OUT        for each JSON template of CORPUS (schema-compare.py extract) that
                                                preflight judges (no Transform, no Fn::Transform, no Rain directive),
                                                write OUT/names/NNNN.json with one name broken (a Ref, Fn::GetAtt,
                                                Fn::Sub variable or DependsOn target gets "Typo" appended) and
                                                OUT/shapes/NNNN.json with one function given the wrong arguments, and
                                                OUT/format/NNNN.json with one logical ID made non-alphanumeric, one
                                                parameter type misspelt or one output's Value removed;
                                                OUT/yaml-names/NNNN.yaml with one `!Ref`/`!GetAtt` name broken in each
                                                YAML template without a transform or a Rain directive;
                                                OUT/sam-names/NNNN.yaml with one `!Ref`/`!GetAtt` name misspelt (a
                                                letter dropped from its middle) in each YAML template whose only
                                                transform is SAM's;
                                                OUT/manifest.json says what was broken where
  reference-mutations.py compare OUT PREFLIGHT  run cfn-lint and PREFLIGHT (e.g. "dotnet …/Payments.Preflight.dll")
                                                on both sets and print, per set, how many breaks each tool reports

A broken name counts as reported when a finding's message quotes it (cfn-lint E1010/E1019/E1020/E3005 do; so
does PF014); a broken shape when the template gets any cfn-lint E1xxx/E8xxx finding, or any PF015/PF014 finding;
a format break when cfn-lint reports E2001, E2002, E3001, E6001 or E6002 and preflight PF016.
Results and the command lines used: docs/preflight.md, "References and intrinsic functions vs cfn-lint".
"""
import collections
import glob
import json
import os
import random
import re
import shlex
import subprocess
import sys

SUB_VARIABLE = re.compile(r"\$\{((?!AWS::|!)[A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}")
SHAPED = ("Ref", "Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::If", "Fn::Select", "Fn::FindInMap")


def judged(path):
    """The template as JSON when preflight judges its references, else None."""
    try:
        text = open(path, encoding="utf-8").read()
        template = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(template, dict) or "Transform" in template or not isinstance(template.get("Resources"), dict):
        return None
    return None if "Rain::" in text or "Fn::Transform" in text else template


def calls(node, names, found):
    """Every one-key function mapping under node whose name is in names, in document order."""
    if isinstance(node, dict):
        if len(node) == 1 and next(iter(node)) in names:
            found.append(node)
        for value in node.values():
            calls(value, names, found)
    elif isinstance(node, list):
        for value in node:
            calls(value, names, found)
    return found


def break_name(template, rng):
    """Appends "Typo" to one name a Ref, Fn::GetAtt, Fn::Sub or DependsOn uses; returns (kind, broken name) or None."""
    candidates = []
    for call in calls([template["Resources"], template.get("Outputs", {})], ("Ref", "Fn::GetAtt", "Fn::Sub"), []):
        (function, argument), = call.items()
        if function == "Ref" and isinstance(argument, str) and not argument.startswith("AWS::"):
            candidates.append(("Ref", call))
        elif function == "Fn::GetAtt" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            candidates.append(("GetAtt", call))
        elif function == "Fn::Sub" and isinstance(argument, str) and SUB_VARIABLE.search(argument):
            candidates.append(("Sub", call))
    candidates += [("DependsOn", body) for body in template["Resources"].values() if isinstance(body, dict) and isinstance(body.get("DependsOn"), str)]
    if not candidates:
        return None
    kind, node = rng.choice(candidates)
    if kind == "Ref":
        node["Ref"] += "Typo"
        return kind, node["Ref"]
    if kind == "GetAtt":
        node["Fn::GetAtt"][0] += "Typo"
        return kind, node["Fn::GetAtt"][0]
    if kind == "DependsOn":
        node["DependsOn"] += "Typo"
        return kind, node["DependsOn"]
    match = SUB_VARIABLE.search(node["Fn::Sub"])
    node["Fn::Sub"] = node["Fn::Sub"][:match.end(1)] + "Typo" + node["Fn::Sub"][match.end(1):]
    return kind, match.group(1) + "Typo"


def misshape(function, argument):
    """The same call with arguments CloudFormation refuses, or None when this call has no such variant here."""
    if function == "Ref":
        return [argument]
    if function == "Fn::GetAtt":
        return argument[0] if isinstance(argument, list) else argument.split(".")[0]
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        return [argument[0]] + (argument[1] if isinstance(argument[1], list) else [argument[1]])
    if function == "Fn::Sub" and isinstance(argument, str):
        return 42
    if function in ("Fn::If", "Fn::FindInMap") and isinstance(argument, list) and len(argument) == 3:
        return argument[:2]
    if function == "Fn::Select" and isinstance(argument, list):
        return argument + [0]
    return None


def break_shape(template, rng):
    found = calls(template["Resources"], SHAPED, [])
    rng.shuffle(found)
    for call in found:
        (function, argument), = call.items()
        broken = misshape(function, argument)
        if broken is not None and broken != argument:
            call[function] = broken
            return function
    return None


def break_format(template, rng):
    """A logical ID with a hyphen, a misspelt parameter type, or an output without its Value."""
    choices = ["resource"]
    if isinstance(template.get("Parameters"), dict) and any(isinstance(p, dict) and "Type" in p for p in template["Parameters"].values()):
        choices.append("parameter type")
    if isinstance(template.get("Outputs"), dict) and any(isinstance(o, dict) and "Value" in o for o in template["Outputs"].values()):
        choices.append("output value")
    kind = rng.choice(choices)
    if kind == "resource":
        resources = template["Resources"]
        old = rng.choice(sorted(resources))
        template["Resources"] = {(key + "-x" if key == old else key): value for key, value in resources.items()}
    elif kind == "parameter type":
        name = rng.choice(sorted(n for n, p in template["Parameters"].items() if isinstance(p, dict) and "Type" in p))
        template["Parameters"][name]["Type"] += "s"
    else:
        name = rng.choice(sorted(n for n, o in template["Outputs"].items() if isinstance(o, dict) and "Value" in o))
        del template["Outputs"][name]["Value"]
    return kind


YAML_REF = re.compile(r"!(Ref|GetAtt) ([A-Za-z0-9]+)\b")


def break_yaml_name(path, rng):
    """YAML text with one `!Ref Name` or `!GetAtt Name.Attr` given "Typo", or None (a Transform, Rain, no such tag)."""
    try:
        text = open(path, encoding="utf-8").read()
    except UnicodeDecodeError:
        return None
    if re.search(r"^Transform:", text, re.M) or "Rain::" in text or "Fn::Transform" in text or "!Transform" in text:
        return None
    found = [m for m in YAML_REF.finditer(text) if not m.group(2).startswith("AWS")]
    if not found:
        return None
    match = rng.choice(found)
    return text[:match.end(2)] + "Typo" + text[match.end(2):], match.group(1), match.group(2) + "Typo"


SAM_TRANSFORM = re.compile(r"^Transform:\s*['\"]?AWS::Serverless-2016-10-31['\"]?\s*$", re.M)


def break_sam_name(path, rng):
    """A SAM template's YAML text with one `!Ref Name` or `!GetAtt Name.Attr` misspelt, or None.

    The letter dropped from the middle makes a typo a reader would make; "Typo" appended, as above, would leave the
    name beginning with the SAM resource's own, which preflight takes as a name SAM may make."""
    try:
        text = open(path, encoding="utf-8").read()
    except UnicodeDecodeError:
        return None
    if not SAM_TRANSFORM.search(text) or "Rain::" in text or "Fn::Transform" in text or "!Transform" in text:
        return None
    found = [m for m in YAML_REF.finditer(text) if not m.group(2).startswith("AWS") and len(m.group(2)) >= 4]
    if not found:
        return None
    match = rng.choice(found)
    name = match.group(2)
    typo = name[:len(name) // 2] + name[len(name) // 2 + 1:]
    return text[:match.start(2)] + typo + text[match.end(2):], match.group(1), typo


def make(corpus, out):
    rng = random.Random(17)
    manifest = {"names": [], "shapes": [], "format": [], "yaml-names": [], "sam-names": []}
    for kind in manifest:
        os.makedirs(os.path.join(out, kind), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(corpus, "**", "*.json"), recursive=True)):
        for kind, breaker in (("names", break_name), ("shapes", break_shape), ("format", break_format)):
            template = judged(path)
            if template is None or (broken := breaker(template, rng)) is None:
                continue
            name = f"{len(manifest[kind]):04d}.json"
            with open(os.path.join(out, kind, name), "w", encoding="utf-8") as f:
                json.dump(template, f, indent=1)
            entry = {"file": name, "source": os.path.relpath(path, corpus)}
            entry.update({"kind": broken[0], "name": broken[1]} if kind == "names" else {"kind": broken})
            manifest[kind].append(entry)
    for kind, breaker in (("yaml-names", break_yaml_name), ("sam-names", break_sam_name)):
        for path in sorted(glob.glob(os.path.join(corpus, "**", "*.y*ml"), recursive=True)):
            if (broken := breaker(path, rng)) is None:
                continue
            name = f"{len(manifest[kind]):04d}.yaml"
            with open(os.path.join(out, kind, name), "w", encoding="utf-8") as f:
                f.write(broken[0])
            manifest[kind].append({"file": name, "source": os.path.relpath(path, corpus), "kind": broken[1], "name": broken[2]})
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print({kind: dict(collections.Counter(e["kind"] for e in entries)) for kind, entries in manifest.items()})


def lint_findings(files, chunk=50):
    """cfn-lint's findings on the files, in runs of `chunk`; a run it crashes in (a traceback, no report) is redone
    one file at a time, so one template it cannot read does not hide the others' findings."""
    findings = []
    for start in range(0, len(files), chunk):
        part = files[start:start + chunk]
        run = subprocess.run(["cfn-lint", "--format", "json", "--", *part], capture_output=True, text=True)
        if "Traceback" not in run.stderr:
            findings += json.loads(run.stdout or "[]")
        elif len(part) > 1:
            findings += lint_findings(part, chunk=1)
        else:
            print(f"  cfn-lint crashed on {part[0]}")
    return findings


def compare(out, preflight):
    manifest = json.load(open(os.path.join(out, "manifest.json"), encoding="utf-8"))
    for kind, entries in manifest.items():
        directory = os.path.join(out, kind)
        files = [os.path.join(directory, e["file"]) for e in entries]
        lint = collections.defaultdict(list)
        for finding in lint_findings(files):
            lint[os.path.basename(finding["Filename"])].append((finding["Rule"]["Id"], finding["Message"]))
        report = os.path.join(out, f"{kind}-preflight.json")
        subprocess.run([*shlex.split(preflight), "check", directory, "--format", "json", "--include", "PF014,PF015,PF016",
                        "--non-zero-exit-code", "none", "--output", report], check=True)
        mine = collections.defaultdict(list)
        for finding in json.load(open(report, encoding="utf-8"))["findings"]:
            mine[os.path.basename(finding["template"])].append((finding["ruleId"], finding["message"]))
        tally, other = collections.Counter(), 0
        for e in entries:
            if kind in ("names", "yaml-names", "sam-names"):
                by_lint = any(e["name"] in message for _, message in lint[e["file"]])
                by_mine = any(e["name"] in message for rule, message in mine[e["file"]] if rule == "PF014")
                other += sum(e["name"] not in message for _, message in mine[e["file"]])
            elif kind == "shapes":
                by_lint = any(rule.startswith(("E1", "E8")) for rule, _ in lint[e["file"]])
                by_mine = any(rule in ("PF014", "PF015") for rule, _ in mine[e["file"]])
            else:
                by_lint = any(rule in ("E2001", "E2002", "E3001", "E6001", "E6002") for rule, _ in lint[e["file"]])
                by_mine = any(rule == "PF016" for rule, _ in mine[e["file"]])
            tally[(by_lint, by_mine)] += 1
            if by_lint != by_mine:
                print(f"  {kind} {e['file']} ({e['source']}, {e['kind']}): cfn-lint {by_lint}, preflight {by_mine}")
        print(f"{kind}: {len(entries)} breaks; both report {tally[(True, True)]}, only cfn-lint {tally[(True, False)]}, "
              f"only preflight {tally[(False, True)]}, neither {tally[(False, False)]}"
              + (f"; preflight findings about something else: {other}" if kind in ("names", "yaml-names", "sam-names") else ""))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
