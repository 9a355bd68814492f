#!/usr/bin/env node
'use strict';
// Checks that one stage of a cloud assembly runs the release image: every container of every ECS task
// definition in the stage's templates names the image tag of this execution (image.json of the Image
// action). The Infrastructure action deploys the assembly the Test action synthesized with
// `-c imageTag=<commit>`; an assembly synthesized without it would roll the worker back to the bootstrap
// image, one synthesized for another commit would release that commit's image.
// Usage: assembly-image.js <assembly dir> <stage> <image.json>     exit 0 ok, 1 mismatch, 2 unusable input
const fs = require('node:fs');
const path = require('node:path');

function stageTemplates(assembly, stage) {
  const directory = path.join(assembly, `assembly-${stage}`);
  if (!fs.existsSync(directory)) throw new Error(`no nested assembly assembly-${stage} in ${assembly}`);
  return fs.readdirSync(directory).filter((name) => name.endsWith('.template.json')).map((name) => path.join(directory, name));
}

// The tag of a container image: a literal "repo:tag", or the last literal part of an Fn::Join (how CDK
// writes an ECR repository URI); null for anything else (a CDK asset image ends in its asset hash).
function imageTag(image) {
  const last = typeof image === 'string' ? image : image && image['Fn::Join'] && image['Fn::Join'][1].at(-1);
  if (typeof last !== 'string') return null;
  const match = /:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(last);
  return match ? match[1] : null;
}

function check(templates, tag) {
  const problems = [];
  let containers = 0;
  for (const [file, template] of templates) {
    for (const [id, resource] of Object.entries(template.Resources || {})) {
      if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
      for (const container of resource.Properties.ContainerDefinitions || []) {
        containers++;
        if (imageTag(container.Image) !== tag) {
          problems.push(`${path.basename(file)} ${id} container ${container.Name}: image ${JSON.stringify(container.Image)} is not the release image :${tag}`);
        }
      }
    }
  }
  if (containers === 0) problems.push('no ECS container definitions in the stage: wrong assembly?');
  return problems;
}

function main(argv) {
  const [assembly, stage, imageFile] = argv.slice(2);
  if (!assembly || !stage || !imageFile) {
    console.error('usage: assembly-image.js <assembly dir> <stage> <image.json>');
    return 2;
  }
  let tag;
  let templates;
  try {
    tag = JSON.parse(fs.readFileSync(imageFile, 'utf8')).tag;
    if (!/^[0-9a-f]{7,40}$/.test(String(tag))) throw new Error(`image.json has no commit tag (got '${tag}')`);
    templates = stageTemplates(assembly, stage).map((file) => [file, JSON.parse(fs.readFileSync(file, 'utf8'))]);
  } catch (error) {
    console.error(`assembly-image: ${error.message}`);
    return 2;
  }
  const problems = check(templates, tag);
  for (const problem of problems) console.error(problem);
  if (problems.length === 0) console.log(`stage ${stage} runs the release image :${tag} in every container`);
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv);
module.exports = { check };
