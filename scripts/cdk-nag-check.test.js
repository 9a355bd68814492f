'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { checkTemplate, parseSuppressions, main } = require('./cdk-nag-check.js');

// Small templates with known AwsSolutions findings: an open security group (EC23, one finding per
// resource) and a policy with s3:* on * (IAM5, one finding per wildcard).
const openSecurityGroup = (metadata) => ({
  Type: 'AWS::EC2::SecurityGroup',
  Properties: {
    GroupDescription: 'public listener',
    VpcId: 'vpc-0123',
    SecurityGroupIngress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }],
  },
  ...(metadata ? { Metadata: metadata } : {}),
});
const wildcardPolicy = (metadata) => ({
  Type: 'AWS::IAM::Policy',
  Properties: {
    PolicyName: 'wide',
    Roles: ['some-role'],
    PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
  },
  ...(metadata ? { Metadata: metadata } : {}),
});
const suppress = (...rules) => ({ cdk_nag: { rules_to_suppress: rules } });
const REASON = 'the public load balancer must accept HTTPS from anywhere';

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-nag-check-'));
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeTemplate(resources, dir = tempDir(), name = 'Stack.template.json') {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ Resources: resources }));
  return file;
}

const ids = (items) => items.map((f) => `${f.logicalId} ${f.id}`).sort();

test('an unsuppressed finding is reported with its rule, resource, stack and text', () => {
  const result = checkTemplate(writeTemplate({ Open: openSecurityGroup() }), 'payments-test');
  assert.deepEqual(ids(result.findings), ['Open AwsSolutions-EC23']);
  const [finding] = result.findings;
  assert.equal(finding.ruleId, 'AwsSolutions-EC23');
  assert.equal(finding.stack, 'payments-test');
  assert.match(finding.description, /0\.0\.0\.0\/0/);
  assert.deepEqual(result.suppressed, []);
  assert.deepEqual(result.problems, []);
});

test('a suppression with a specific reason removes exactly its finding and records the reason', () => {
  const result = checkTemplate(writeTemplate({
    Open: openSecurityGroup(suppress({ id: 'AwsSolutions-EC23', reason: REASON })),
    Other: openSecurityGroup(),
  }));
  assert.deepEqual(ids(result.findings), ['Other AwsSolutions-EC23']);
  assert.deepEqual(result.suppressed.map((f) => [f.logicalId, f.id, f.reason]), [['Open', 'AwsSolutions-EC23', REASON]]);
  assert.deepEqual(result.problems, []);
});

test('a suppression without a reason is not honoured and is itself reported', () => {
  for (const entry of [{ id: 'AwsSolutions-EC23' }, { id: 'AwsSolutions-EC23', reason: '   ' }, { id: 'AwsSolutions-EC23', reason: 'ok' }]) {
    const result = checkTemplate(writeTemplate({ Open: openSecurityGroup(suppress(entry)) }));
    assert.deepEqual(ids(result.findings), ['Open AwsSolutions-EC23'], JSON.stringify(entry));
    assert.equal(result.problems.length, 1, JSON.stringify(entry));
    assert.equal(result.problems[0].logicalId, 'Open');
    assert.match(result.problems[0].message, /not honoured: (no reason|reason "ok" is too short)/);
  }
});

test('applies_to narrows a suppression to the listed wildcard findings', () => {
  const result = checkTemplate(writeTemplate({
    Policy: wildcardPolicy(suppress({ id: 'AwsSolutions-IAM5', applies_to: ['Action::s3:*'], reason: 'the replication role copies every object kind' })),
  }));
  assert.deepEqual(ids(result.findings), ['Policy AwsSolutions-IAM5[Resource::*]']);
  assert.deepEqual(ids(result.suppressed), ['Policy AwsSolutions-IAM5[Action::s3:*]']);
  assert.deepEqual(result.problems, []);
});

test('every listed finding of applies_to is suppressed', () => {
  const result = checkTemplate(writeTemplate({
    Policy: wildcardPolicy(suppress({ id: 'AwsSolutions-IAM5', applies_to: ['Action::s3:*', 'Resource::*'], reason: 'a test role in a sandbox account, never deployed' })),
  }));
  assert.deepEqual(result.findings, []);
  assert.equal(result.suppressed.length, 2);
});

test('a rule-level suppression does not cover findings the rule reports one by one, and says which to list', () => {
  const result = checkTemplate(writeTemplate({
    Policy: wildcardPolicy(suppress({ id: 'AwsSolutions-IAM5', reason: 'a test role in a sandbox account, never deployed' })),
  }));
  assert.deepEqual(ids(result.findings), ['Policy AwsSolutions-IAM5[Action::s3:*]', 'Policy AwsSolutions-IAM5[Resource::*]']);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0].message, /matches nothing: this rule reports each finding separately; list them in applies_to: \["Action::s3:\*","Resource::\*"\]/);
});

test('a suppression that matches no finding is reported', () => {
  const result = checkTemplate(writeTemplate({
    Open: openSecurityGroup(suppress(
      { id: 'AwsSolutions-EC23', reason: REASON },
      { id: 'AwsSolutions-S1', reason: 'a bucket rule on a security group matches nothing' },
    )),
    Policy: wildcardPolicy(suppress({ id: 'AwsSolutions-IAM5', applies_to: ['Action::s3:*', 'Action::sqs:*'], reason: 'the replication role copies every object kind' })),
  }));
  assert.deepEqual(ids(result.findings), ['Policy AwsSolutions-IAM5[Resource::*]']);
  assert.deepEqual(result.problems.map((p) => [p.logicalId, p.message]).sort(), [
    ['Open', 'suppression AwsSolutions-S1 matches no finding on this resource; remove it'],
    ['Policy', 'suppression AwsSolutions-IAM5 applies_to "Action::sqs:*" matches no finding on this resource; remove it'],
  ]);
});

test('malformed entries are reported and not honoured', () => {
  const cases = [
    [{ id: 'AwsSolutions-IAM5', appliesTo: ['Resource::*'], reason: 'misspelt key must not widen the scope' }, /unknown key\(s\) appliesTo/],
    [{ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'the v3 id form belongs in applies_to' }, /names a finding: use \{"id": "AwsSolutions-IAM5", "applies_to": \["Resource::\*"\]\}/],
    [{ id: 'AwsSolutions-IAM5', applies_to: [{ regex: '/^Resource::.*$/' }], reason: 'patterns are too wide to audit' }, /exact findings as strings/],
    [{ id: 'AwsSolutions-IAM5', applies_to: [], reason: 'an empty list would mean the whole rule' }, /non-empty list/],
    [{ reason: 'an entry with no rule id at all' }, /no id/],
    ['AwsSolutions-IAM5', /is not an object/],
  ];
  for (const [entry, message] of cases) {
    const result = checkTemplate(writeTemplate({ Policy: wildcardPolicy(suppress(entry)) }));
    assert.equal(result.findings.length, 2, JSON.stringify(entry));
    assert.equal(result.problems.length, 1, JSON.stringify(entry));
    assert.match(result.problems[0].message, message);
  }
  assert.match(parseSuppressions('X', { cdk_nag: { rules_to_suppress: {} } }).problems[0].message, /must be \{"rules_to_suppress"/);
});

test('the same suppression declared twice is reported', () => {
  const entry = { id: 'AwsSolutions-EC23', reason: REASON };
  const result = checkTemplate(writeTemplate({ Open: openSecurityGroup(suppress(entry, entry)) }));
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.problems.map((p) => p.message), ['suppression AwsSolutions-EC23 is declared twice']);
});

test('the command checks every template of a cloud assembly, nested stage assemblies included', () => {
  const root = tempDir();
  writeTemplate({ Open: openSecurityGroup(suppress({ id: 'AwsSolutions-EC23', reason: REASON })) }, root, 'Top.template.json');
  writeTemplate({ Policy: wildcardPolicy() }, root, 'assembly-dev/devStack.template.json');
  fs.writeFileSync(path.join(root, 'manifest.json'), JSON.stringify({
    artifacts: {
      Top: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Top.template.json', stackName: 'payments-top' } },
      'assembly-dev': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-dev' } },
    },
  }));
  fs.writeFileSync(path.join(root, 'assembly-dev', 'manifest.json'), JSON.stringify({
    artifacts: { devStack: { type: 'aws:cloudformation:stack', properties: { templateFile: 'devStack.template.json', stackName: 'payments-dev' } } },
  }));
  const capture = () => { let text = ''; return { write: (s) => { text += s; }, text: () => text }; };

  const out = capture();
  assert.equal(main(['--format', 'json', root], out, capture()), 1);
  const summary = JSON.parse(out.text());
  assert.deepEqual(summary.templates.map((t) => [t.stack, t.findings, t.suppressed]), [['payments-top', 0, 1], ['payments-dev', 2, 0]]);
  assert.deepEqual(summary.findingsByRule, { 'AwsSolutions-IAM5': 2 });
  assert.deepEqual(summary.suppressedByRule, { 'AwsSolutions-EC23': 1 });

  const text = capture();
  assert.equal(main([root], text, capture()), 1);
  assert.match(text.text(), /AwsSolutions-IAM5 applies_to "Resource::\*" error on Policy \(no aws:cdk:path\) in stack payments-dev: The IAM entity contains wildcard permissions/);
  assert.match(text.text(), /cdk-nag AwsSolutions: 2 template\(s\), 2 unsuppressed finding\(s\), 1 suppressed, 0 suppression problem\(s\)/);

  assert.equal(main([path.join(root, 'Top.template.json')], capture(), capture()), 0);
});

test('the command refuses bad usage and an assembly without templates', () => {
  const sink = { write: () => {} };
  let errors = '';
  const err = { write: (s) => { errors += s; } };
  assert.equal(main([], sink, err), 2);
  assert.equal(main(['--format', 'xml', tempDir()], sink, err), 2);
  assert.equal(main([tempDir()], sink, err), 2);
  assert.match(errors, /no \*\.template\.json under/);
});
