#!/usr/bin/env node
'use strict';
// Gate on `aws ecr describe-image-scan-findings --output json` of the release image: exits 1 when the
// scan found anything CRITICAL, 2 when the report cannot be trusted (not a completed scan: FAILED,
// UNSUPPORTED_IMAGE, still running, or not the CLI's output), 0 otherwise. Fails closed like
// vulnerability-gate.js: an image that could not be scanned is not a clean image.
const fs = require('node:fs');

const BLOCKING = ['CRITICAL'];
// COMPLETE: basic scanning; ACTIVE: enhanced (Inspector) continuous scanning with findings available.
const DONE = new Set(['COMPLETE', 'ACTIVE']);

function evaluate(report) {
  if (!report || typeof report !== 'object' || !report.imageScanStatus) {
    return { code: 2, lines: ['scan report has no imageScanStatus: not the output of describe-image-scan-findings --output json?'] };
  }
  const image = `${report.repositoryName || '?'}@${(report.imageId && (report.imageId.imageTag || report.imageId.imageDigest)) || '?'}`;
  const status = String(report.imageScanStatus.status || 'UNKNOWN');
  if (!DONE.has(status)) {
    return { code: 2, lines: [`image scan of ${image} is ${status}${report.imageScanStatus.description ? ` (${report.imageScanStatus.description})` : ''}: refusing to release an unscanned image`] };
  }
  const scan = report.imageScanFindings || {};
  const counts = scan.findingSeverityCounts || {};
  const lines = [];
  for (const finding of [...(scan.findings || []), ...(scan.enhancedFindings || [])]) {
    const severity = String(finding.severity || 'UNKNOWN').toUpperCase();
    if (!BLOCKING.includes(severity)) continue;
    const name = finding.name || (finding.packageVulnerabilityDetails && finding.packageVulnerabilityDetails.vulnerabilityId) || finding.title || '?';
    lines.push(`BLOCKING ${severity} ${name} ${finding.uri || (finding.packageVulnerabilityDetails && finding.packageVulnerabilityDetails.sourceUrl) || ''}`.trimEnd());
  }
  const blocking = BLOCKING.reduce((sum, severity) => sum + Number(counts[severity] || 0), 0);
  const summary = Object.entries(counts).map(([severity, count]) => `${severity} ${count}`).join(', ') || 'no findings';
  lines.push(`image scan of ${image}: ${summary}; ${blocking} blocking (${BLOCKING.join(', ')})`);
  return { code: blocking > 0 ? 1 : 0, lines };
}

function main(argv) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(argv[2] && argv[2] !== '-' ? argv[2] : 0, 'utf8'));
  } catch (error) {
    console.error(`cannot read the image scan report: ${error.message}`);
    return 2;
  }
  const result = evaluate(report);
  for (const line of result.lines) (result.code === 0 ? console.log : console.error)(line);
  return result.code;
}

if (require.main === module) process.exitCode = main(process.argv);
module.exports = { evaluate };
