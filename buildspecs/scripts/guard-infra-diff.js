#!/usr/bin/env node
'use strict';
// Reads `cdk diff` output and refuses infrastructure changes that break a CODE_DEPLOY service:
// - any change to an ALB listener or listener rule: CloudFormation rewrites the whole listener from the
//   template, so after a blue/green swap it would point production back at the old target group;
// - any replacement or removal of an ECS service: the deployment controller is fixed at creation and a
//   replaced service loses the task set CodeDeploy deployed.
// Exit 1 with the offending lines; 0 when clean. ALLOW_LISTENER_CHANGES=1 lets a reviewed listener change
// through (the runbook says how to realign the listener after it).
const fs = require('node:fs');

function check(diffText, { allowListenerChanges = false } = {}) {
  const lines = diffText.split(/\r?\n/);
  const blocked = [];
  let current = null;
  for (const line of lines) {
    const resource = /^\[([+~-])\] (AWS::[A-Za-z0-9]+::[A-Za-z0-9]+) (.*)$/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (resource) {
      const [, change, type, rest] = resource;
      current = { change, type, rest };
      const isListener = type === 'AWS::ElasticLoadBalancingV2::Listener' || type === 'AWS::ElasticLoadBalancingV2::ListenerRule';
      if (isListener && change !== '+' && !allowListenerChanges) {
        blocked.push(`listener change would reset traffic after a blue/green swap: ${line.trim()}`);
      }
      if (type === 'AWS::ECS::Service' && (change === '-' || /replace/i.test(rest))) {
        blocked.push(`ECS service would be removed or replaced (deployment controller is fixed at creation): ${line.trim()}`);
      }
      continue;
    }
    if (current && current.type === 'AWS::ECS::Service' && current.change === '~' && /(requires|may be) replace/i.test(line)) {
      blocked.push(`ECS service would be replaced: ${current.rest.trim()} ${line.trim()}`);
    }
  }
  return blocked;
}

function main(argv) {
  let text;
  try {
    text = fs.readFileSync(argv[2] && argv[2] !== '-' ? argv[2] : 0, 'utf8');
  } catch (error) {
    console.error(`cannot read the cdk diff output: ${error.message}`);
    return 2;
  }
  const blocked = check(text, { allowListenerChanges: process.env.ALLOW_LISTENER_CHANGES === '1' });
  for (const message of blocked) console.error(message);
  if (blocked.length === 0) console.log('infrastructure diff: no listener or ECS service hazards');
  return blocked.length === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv);
module.exports = { check };
