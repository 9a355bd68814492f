#!/usr/bin/env node
'use strict';
// Runs cdk-nag's AwsSolutions pack over every synthesized CloudFormation template under a cloud
// assembly (nested stage assemblies included) and honours exactly the suppressions each resource
// carries in its template metadata, in cdk-nag's v2 audit format:
//
//   "Metadata": { "cdk_nag": { "rules_to_suppress": [
//     { "id": "AwsSolutions-IAM5", "applies_to": ["Action::s3:GetObject*"], "reason": "why, specifically" } ] } }
//
// cdk-nag 3 reads acknowledgements from construct metadata (Validations.of(x).acknowledge), not from
// templates, so each entry is translated: an entry with applies_to acknowledges `<id>[<finding>]` per
// listed finding, one without acknowledges `<id>` only. As in cdk-nag 3, a rule-level entry does not
// cover a rule's individual findings (AwsSolutions-IAM5[...], -IAM4[...]): those must be listed.
// A malformed entry, one without a specific reason, or one that matches no finding is itself reported.
//
// Usage: node scripts/cdk-nag-check.js [--format text|json] <cloud assembly dir | template.json>...
// Exit code: 0 clean, 1 unsuppressed findings or suppression problems, 2 usage or load error.

const fs = require('node:fs');
const path = require('node:path');

const PACK = 'AwsSolutions';
const MIN_REASON_LENGTH = 10;
const RULE_ID = /^[A-Za-z0-9]+-[A-Za-z0-9]+$/;
const ENTRY_KEYS = new Set(['id', 'reason', 'applies_to']);
// CfnInclude puts every template resource directly under this construct, named by its logical id.
const STACK_ID = 'Check';
const INCLUDE_ID = 'Template';

function cdk() {
  const core = require('aws-cdk-lib');
  const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
  const { AwsSolutionsChecks } = require('cdk-nag');
  return { App: core.App, Stack: core.Stack, Validations: core.Validations, CfnInclude, AwsSolutionsChecks };
}

/** Every `*.template.json` under `root` (the set cfn-lint is given), sorted; a file is returned as itself. */
function findTemplates(root) {
  if (fs.statSync(root).isFile()) {
    return [root];
  }
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.template.json')) {
        found.push(full);
      }
    }
  };
  walk(root);
  return found.sort();
}

/** Stack names by template path, from every manifest.json under `root` (nested assemblies included). */
function stackNames(root) {
  const names = new Map();
  const visit = (dir) => {
    const manifestFile = path.join(dir, 'manifest.json');
    if (!fs.existsSync(manifestFile)) {
      return;
    }
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      const props = artifact.properties ?? {};
      if (artifact.type === 'aws:cloudformation:stack' && props.templateFile) {
        names.set(path.resolve(dir, props.templateFile), props.stackName ?? artifact.displayName ?? id);
      } else if (artifact.type === 'cdk:cloud-assembly' && props.directoryName) {
        visit(path.join(dir, props.directoryName));
      }
    }
  };
  if (fs.statSync(root).isDirectory()) {
    visit(root);
  }
  return names;
}

/**
 * The suppressions one resource declares, validated. Returns the acknowledgement ids to give cdk-nag
 * (with the entry each came from) and the problems found in the declarations.
 */
function parseSuppressions(logicalId, metadata) {
  const acknowledgements = [];
  const problems = [];
  const block = metadata?.cdk_nag;
  if (block === undefined) {
    return { acknowledgements, problems };
  }
  const entries = block?.rules_to_suppress;
  if (!Array.isArray(entries)) {
    problems.push({ logicalId, message: 'Metadata.cdk_nag must be {"rules_to_suppress": [ ... ]}' });
    return { acknowledgements, problems };
  }
  const seen = new Set();
  entries.forEach((entry, index) => {
    const where = `rules_to_suppress[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push({ logicalId, message: `${where} is not an object` });
      return;
    }
    const unknown = Object.keys(entry).filter((key) => !ENTRY_KEYS.has(key));
    const id = typeof entry.id === 'string' ? entry.id : undefined;
    const label = id ?? where;
    const invalid = [];
    if (unknown.length > 0) {
      // A misspelt "appliesTo" would otherwise widen a narrow suppression to the whole rule.
      invalid.push(`unknown key(s) ${unknown.join(', ')} (allowed: id, reason, applies_to)`);
    }
    if (id === undefined) {
      invalid.push('no id');
    } else if (id.includes('[')) {
      invalid.push(`id "${id}" names a finding: use {"id": "${id.slice(0, id.indexOf('['))}", "applies_to": ["${id.slice(id.indexOf('[') + 1, -1)}"]}`);
    } else if (!RULE_ID.test(id)) {
      invalid.push(`id "${id}" is not a rule id like ${PACK}-IAM5`);
    }
    const reason = typeof entry.reason === 'string' ? entry.reason.trim() : '';
    if (reason.length === 0) {
      invalid.push('no reason');
    } else if (reason.length < MIN_REASON_LENGTH) {
      invalid.push(`reason "${reason}" is too short to say why (at least ${MIN_REASON_LENGTH} characters)`);
    }
    let findings = [undefined];
    if (entry.applies_to !== undefined) {
      const list = entry.applies_to;
      if (!Array.isArray(list) || list.length === 0) {
        invalid.push('applies_to must be a non-empty list of findings, or left out');
      } else if (!list.every((item) => typeof item === 'string' && item.length > 0)) {
        invalid.push('applies_to lists exact findings as strings (patterns such as {"regex": ...} are not honoured)');
      } else {
        findings = list;
      }
    }
    if (invalid.length > 0) {
      problems.push({ logicalId, ruleId: id, message: `suppression ${label} is not honoured: ${invalid.join('; ')}` });
      return;
    }
    for (const finding of findings) {
      const ackId = finding === undefined ? id : `${id}[${finding}]`;
      if (seen.has(ackId)) {
        problems.push({ logicalId, ruleId: id, message: `suppression ${ackId} is declared twice` });
        continue;
      }
      seen.add(ackId);
      acknowledgements.push({ id: ackId, ruleId: id, finding, reason });
    }
  });
  return { acknowledgements, problems };
}

function flatten(report) {
  const findings = [];
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const parts = resource.constructPath.split('/');
      findings.push({
        id: violation.ruleName,
        ruleId: violation.ruleName.replace(/\[.*$/s, ''),
        logicalId: parts[2] ?? resource.constructPath,
        description: violation.description,
        severity: violation.severity,
      });
    }
  }
  return findings;
}

const key = (logicalId, id) => `${logicalId}\u0000${id}`;

/**
 * Runs the pack over one template file. Returns the findings left after the template's suppressions,
 * the suppressed ones (with their reasons) and the suppression problems.
 */
function checkTemplate(file, stack = path.basename(file)) {
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { App, Stack, Validations, CfnInclude, AwsSolutionsChecks } = cdk();
  const scope = new Stack(new App(), STACK_ID);
  const included = new CfnInclude(scope, INCLUDE_ID, { templateFile: file });
  const pack = new AwsSolutionsChecks();

  const raw = flatten(pack.validateScope(scope));
  const rawIds = new Set(raw.map((f) => key(f.logicalId, f.id)));
  const problems = [];
  const acknowledged = new Map();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const parsed = parseSuppressions(logicalId, resource?.Metadata);
    problems.push(...parsed.problems);
    for (const ack of parsed.acknowledgements) {
      Validations.of(included.getResource(logicalId)).acknowledge({ id: ack.id, reason: ack.reason });
      acknowledged.set(key(logicalId, ack.id), ack);
      if (!rawIds.has(key(logicalId, ack.id))) {
        problems.push({ logicalId, ruleId: ack.ruleId, message: unmatchedMessage(ack, raw.filter((f) => f.logicalId === logicalId)) });
      }
    }
  }

  const remaining = flatten(pack.validateScope(scope));
  const expected = raw.filter((f) => !acknowledged.has(key(f.logicalId, f.id)));
  const sameIds = (a, b) => JSON.stringify(a.map((f) => key(f.logicalId, f.id)).sort()) === JSON.stringify(b.map((f) => key(f.logicalId, f.id)).sort());
  if (!sameIds(remaining, expected)) {
    // cdk-nag's matching of acknowledgements changed (e.g. prefix matching): the template's entries
    // would no longer mean exactly what they say.
    throw new Error(`${file}: cdk-nag honoured the template's suppressions differently from their declared ids; check the cdk-nag version`);
  }
  const suppressed = raw
    .filter((f) => acknowledged.has(key(f.logicalId, f.id)))
    .map((f) => ({ ...f, reason: acknowledged.get(key(f.logicalId, f.id)).reason }));
  const withContext = (item) => ({ ...item, stack, template: file, path: template.Resources?.[item.logicalId]?.Metadata?.['aws:cdk:path'] });
  return {
    stack,
    template: file,
    findings: remaining.map(withContext),
    suppressed: suppressed.map(withContext),
    problems: problems.map(withContext),
  };
}

function unmatchedMessage(ack, resourceFindings) {
  const what = ack.finding === undefined ? `suppression ${ack.ruleId}` : `suppression ${ack.ruleId} applies_to "${ack.finding}"`;
  const granular = resourceFindings.filter((f) => f.ruleId === ack.ruleId && f.id !== f.ruleId).map((f) => f.id.slice(f.ruleId.length + 1, -1));
  if (ack.finding === undefined && granular.length > 0) {
    return `${what} matches nothing: this rule reports each finding separately; list them in applies_to: ${JSON.stringify(granular)}`;
  }
  return `${what} matches no finding on this resource; remove it`;
}

function check(roots) {
  const results = [];
  for (const root of roots) {
    const names = stackNames(root);
    const files = findTemplates(root);
    if (files.length === 0) {
      throw new Error(`no *.template.json under ${root}`);
    }
    for (const file of files) {
      results.push(checkTemplate(file, names.get(path.resolve(file)) ?? path.basename(file, '.template.json')));
    }
  }
  return results;
}

function countBy(items, keyOf) {
  const counts = {};
  for (const item of items) {
    counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })));
}

function summarize(results) {
  const findings = results.flatMap((r) => r.findings);
  const suppressed = results.flatMap((r) => r.suppressed);
  const problems = results.flatMap((r) => r.problems);
  return {
    templates: results.map((r) => ({ stack: r.stack, template: r.template, findings: r.findings.length, suppressed: r.suppressed.length, problems: r.problems.length })),
    findings,
    suppressed,
    problems,
    findingsByRule: countBy(findings, (f) => f.ruleId),
    suppressedByRule: countBy(suppressed, (f) => f.ruleId),
  };
}

function formatText(summary) {
  const lines = [];
  for (const f of summary.findings) {
    lines.push(`${f.template}: ${f.ruleId === f.id ? f.id : `${f.ruleId} applies_to "${f.id.slice(f.ruleId.length + 1, -1)}"`} ${f.severity} on ${f.logicalId} (${f.path ?? 'no aws:cdk:path'}) in stack ${f.stack}: ${f.description}`);
  }
  for (const p of summary.problems) {
    lines.push(`${p.template}: suppression problem on ${p.logicalId} (${p.path ?? 'no aws:cdk:path'}) in stack ${p.stack}: ${p.message}`);
  }
  for (const t of summary.templates) {
    lines.push(`  ${t.stack} (${t.template}): ${t.findings} finding(s), ${t.suppressed} suppressed, ${t.problems} suppression problem(s)`);
  }
  const byRule = (counts) => Object.entries(counts).map(([rule, n]) => `${rule} ${n}`).join(', ') || 'none';
  lines.push(`  unsuppressed by rule: ${byRule(summary.findingsByRule)}`);
  lines.push(`  suppressed by rule: ${byRule(summary.suppressedByRule)}`);
  lines.push(`cdk-nag ${PACK}: ${summary.templates.length} template(s), ${summary.findings.length} unsuppressed finding(s), ${summary.suppressed.length} suppressed, ${summary.problems.length} suppression problem(s)`);
  if (summary.findings.length > 0 || summary.problems.length > 0) {
    lines.push('Fix the resource, or suppress the finding with a specific reason in src/Payments.Platform/Aspects/NagSuppressions.cs (docs/testing.md, "cdk-nag").');
  }
  return lines.join('\n');
}

function main(argv, out = process.stdout, err = process.stderr) {
  let format = 'text';
  const roots = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--format') {
      format = argv[++i];
    } else if (argv[i].startsWith('--format=')) {
      format = argv[i].slice('--format='.length);
    } else {
      roots.push(argv[i]);
    }
  }
  if (!['text', 'json'].includes(format) || roots.length === 0) {
    err.write('usage: cdk-nag-check.js [--format text|json] <cloud assembly dir | template.json>...\n');
    return 2;
  }
  let summary;
  try {
    summary = summarize(check(roots));
  } catch (error) {
    err.write(`cdk-nag-check: ${error.message}\n`);
    return 2;
  }
  out.write(format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : `${formatText(summary)}\n`);
  return summary.findings.length > 0 || summary.problems.length > 0 ? 1 : 0;
}

module.exports = { parseSuppressions, checkTemplate, check, summarize, formatText, findTemplates, main };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
