#!/usr/bin/env node
'use strict';
// A cloud assembly records Docker image asset build contexts as absolute paths of the machine that
// synthesized it. The Test action synthesizes in one CodeBuild source directory, the Infrastructure
// action deploys from another, so contexts under the old checkout are moved to the new checkout root.
// Usage: relocate-assets.js <assembly dir> <checkout root>
const fs = require('node:fs');
const path = require('node:path');

function assetManifests(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) found.push(...assetManifests(full));
    else if (entry.isFile() && entry.name.endsWith('.assets.json')) found.push(full);
  }
  return found;
}

function relocate(manifest, checkoutRoot, exists = fs.existsSync) {
  const moved = [];
  for (const [id, image] of Object.entries(manifest.dockerImages || {})) {
    const directory = image.source && image.source.directory;
    if (!directory || !path.isAbsolute(directory) || exists(path.join(directory, image.source.dockerFile || 'Dockerfile'))) continue;
    const dockerFile = image.source.dockerFile || 'Dockerfile';
    if (!exists(path.join(checkoutRoot, dockerFile))) {
      throw new Error(`asset ${id}: neither ${directory} nor ${checkoutRoot} holds ${dockerFile}`);
    }
    image.source.directory = checkoutRoot;
    moved.push(`${id}: ${directory} -> ${checkoutRoot}`);
  }
  return moved;
}

function main(argv) {
  const [assembly, checkoutRoot] = argv.slice(2);
  if (!assembly || !checkoutRoot) {
    console.error('usage: relocate-assets.js <assembly dir> <checkout root>');
    return 2;
  }
  try {
    for (const file of assetManifests(assembly)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
      const moved = relocate(manifest, path.resolve(checkoutRoot));
      if (moved.length > 0) {
        fs.writeFileSync(file, `${JSON.stringify(manifest, null, 1)}\n`);
        for (const line of moved) console.log(`${path.basename(file)}: ${line}`);
      }
    }
    return 0;
  } catch (error) {
    console.error(`relocate-assets: ${error.message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv);
module.exports = { relocate };
