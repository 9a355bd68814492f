// The independent judge for preflight's permission evaluator: runs every case of a JSON file through
// @cloud-copilot/iam-simulate (AGPL, a devDependency used by tests only) and writes one answer per case.
//
// usage: node simulate.mjs <cases.json> <answers.json>
// cases:   [{ id, principal, action, resource, accountId, context: {key: string | string[]},
//             identity: [policy], boundary: policy | null, resourcePolicy: policy | null }]
// answers: [{ id, result: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | "Error", error? }]
import { readFile, writeFile } from 'node:fs/promises';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const [casesPath, answersPath] = process.argv.slice(2);
if (!casesPath || !answersPath) {
  console.error('usage: node simulate.mjs <cases.json> <answers.json>');
  process.exit(2);
}

const cases = JSON.parse(await readFile(casesPath, 'utf8'));
const answers = [];
for (const c of cases) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.accountId },
      contextVariables: c.context,
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy ?? undefined,
  };
  if (c.boundary) {
    simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: c.boundary }];
  }
  try {
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'single') {
      answers.push({ id: c.id, result: response.overallResult });
    } else if (response.resultType === 'error') {
      answers.push({ id: c.id, result: 'Error', error: JSON.stringify(response.errors) });
    } else {
      answers.push({ id: c.id, result: 'Error', error: `unexpected result type ${response.resultType}` });
    }
  } catch (error) {
    answers.push({ id: c.id, result: 'Error', error: String(error?.stack ?? error) });
  }
}
await writeFile(answersPath, JSON.stringify(answers));
