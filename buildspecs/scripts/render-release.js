#!/usr/bin/env node
'use strict';
// Renders one environment's CodeDeploy release files from the live task-definition family:
//   taskdef.json     the family's latest ACTIVE revision (what the infrastructure registered last, or
//                    the last release) with read-only fields removed and the service container's image
//                    replaced by the <IMAGE1_NAME> placeholder that CodePipeline fills from imageDetail.json
//   appspec.yaml     TargetService with the container name/port, the api service's capacity-provider
//                    strategy (the replacement task set gets no strategy otherwise) and the
//                    AfterAllowTestTraffic hook
//   imageDetail.json {"ImageURI": "<repository>:<immutable tag>"}
// Usage: render-release.js --task-definition describe.json --container api --port 8080
//          --image-uri 123.dkr.ecr.eu-west-1.amazonaws.com/payments-dev-api:0123abc --hook-function fn
//          --capacity-provider-strategy '[{"CapacityProvider":"FARGATE","Base":1,"Weight":1}]' --out dir
const fs = require('node:fs');
const path = require('node:path');

// Fields DescribeTaskDefinition returns that RegisterTaskDefinition rejects.
const READ_ONLY = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities',
  'registeredAt', 'registeredBy', 'deregisteredAt', 'deleteRequestedAt'];
const IMAGE_PLACEHOLDER = '<IMAGE1_NAME>';

class RenderError extends Error {}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (!key.startsWith('--') || i + 1 >= argv.length) throw new RenderError(`expected --name value pairs, got '${key}'`);
    options[key.slice(2)] = argv[i + 1];
  }
  for (const required of ['task-definition', 'container', 'port', 'image-uri', 'hook-function', 'capacity-provider-strategy', 'out']) {
    if (!options[required]) throw new RenderError(`missing --${required}`);
  }
  return options;
}

// The service's CapacityProviderStrategy as CloudFormation declares it: [{CapacityProvider, Base?, Weight?}].
function parseStrategy(text) {
  let strategy;
  try {
    strategy = JSON.parse(text);
  } catch (error) {
    throw new RenderError(`--capacity-provider-strategy is not JSON: ${error.message}`);
  }
  if (!Array.isArray(strategy) || strategy.length === 0) throw new RenderError('--capacity-provider-strategy must be a non-empty array');
  const items = strategy.map((item) => {
    if (!item || typeof item.CapacityProvider !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(item.CapacityProvider)) {
      throw new RenderError(`capacity provider item without a valid CapacityProvider: ${JSON.stringify(item)}`);
    }
    const number = (name, max) => {
      if (item[name] === undefined) return undefined;
      const value = Number(item[name]);
      if (!Number.isInteger(value) || value < 0 || value > max) throw new RenderError(`${item.CapacityProvider}: ${name} must be a whole number 0-${max}, got '${item[name]}'`);
      return value;
    };
    return { CapacityProvider: item.CapacityProvider, Base: number('Base', 100000), Weight: number('Weight', 1000) };
  });
  if (items.filter((item) => item.Base > 0).length > 1) throw new RenderError('only one capacity provider may have a Base');
  if (!items.some((item) => item.Weight > 0)) throw new RenderError('at least one capacity provider needs a Weight above 0');
  return items;
}

function render(described, { container, port, imageUri, hookFunction, capacityProviderStrategy }) {
  const source = described && described.taskDefinition ? described.taskDefinition : described;
  if (!source || !Array.isArray(source.containerDefinitions)) {
    throw new RenderError('task definition has no containerDefinitions: pass the output of aws ecs describe-task-definition');
  }
  const containerPort = Number(port);
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) throw new RenderError(`invalid --port '${port}'`);
  if (!/^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._\/-]+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageUri)) {
    throw new RenderError(`--image-uri '${imageUri}' is not an ECR repository URI with a tag`);
  }
  if (/:latest$/.test(imageUri)) throw new RenderError('refusing the mutable tag "latest"');
  const taskdef = { ...source };
  for (const field of READ_ONLY) delete taskdef[field];
  const target = taskdef.containerDefinitions.find((c) => c.name === container);
  if (!target) {
    throw new RenderError(`container '${container}' not in task definition ${source.family} (has: ${taskdef.containerDefinitions.map((c) => c.name).join(', ')})`);
  }
  if (!(target.portMappings || []).some((m) => m.containerPort === containerPort)) {
    throw new RenderError(`container '${container}' does not map port ${containerPort}: the target groups would never see it healthy`);
  }
  taskdef.containerDefinitions = taskdef.containerDefinitions.map((c) => (c.name === container ? { ...c, image: IMAGE_PLACEHOLDER } : c));
  if (described && Array.isArray(described.tags) && described.tags.length > 0) taskdef.tags = described.tags;
  const strategy = parseStrategy(capacityProviderStrategy);
  const appspec = [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    '        TaskDefinition: "<TASK_DEFINITION>"',
    '        LoadBalancerInfo:',
    `          ContainerName: "${container}"`,
    `          ContainerPort: ${containerPort}`,
    '        CapacityProviderStrategy:',
    ...strategy.flatMap((item) => [
      `          - CapacityProvider: "${item.CapacityProvider}"`,
      ...(item.Base === undefined ? [] : [`            Base: ${item.Base}`]),
      ...(item.Weight === undefined ? [] : [`            Weight: ${item.Weight}`]),
    ]),
    'Hooks:',
    `  - AfterAllowTestTraffic: "${hookFunction}"`,
    '',
  ].join('\n');
  return { taskdef, appspec, imageDetail: { ImageURI: imageUri } };
}

function main(argv) {
  try {
    const options = parseArgs(argv.slice(2));
    let described;
    try {
      described = JSON.parse(fs.readFileSync(options['task-definition'], 'utf8'));
    } catch (error) {
      throw new RenderError(`cannot read task definition '${options['task-definition']}': ${error.message}`);
    }
    const out = render(described, {
      container: options.container, port: options.port, imageUri: options['image-uri'], hookFunction: options['hook-function'],
      capacityProviderStrategy: options['capacity-provider-strategy'],
    });
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, 'taskdef.json'), `${JSON.stringify(out.taskdef, null, 2)}\n`);
    fs.writeFileSync(path.join(options.out, 'appspec.yaml'), out.appspec);
    fs.writeFileSync(path.join(options.out, 'imageDetail.json'), `${JSON.stringify(out.imageDetail)}\n`);
    console.log(`rendered ${options.out}: family ${out.taskdef.family}, container ${options.container}:${options.port}, image ${options['image-uri']}`);
    return 0;
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    console.error(`render-release: ${error.message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv);
module.exports = { render, RenderError };
