#!/usr/bin/env bash
# Deploys one environment's stacks from the cloud assembly the Test action synthesized and checked
# (cfn-lint + preflight), after refusing diffs that would break blue/green (guard-infra-diff.js).
# Usage: deploy-infra.sh <environment>   (stacks of the stage, e.g. "dev/*")
set -euo pipefail
env="${1:?usage: deploy-infra.sh <environment>}"
root=$(cd "$(dirname "$0")/../.." && pwd)
assembly="${CDK_ASSEMBLY:-$CODEBUILD_SRC_DIR_synth}"
cd "$root"
npm ci --no-audit --no-fund --loglevel=error
# The Test action synthesized in another CodeBuild source directory: point Docker asset contexts here.
node buildspecs/scripts/relocate-assets.js "$assembly" "$root"
npx cdk diff --app "$assembly" "${env}/*" --no-color 2>&1 | tee "/tmp/diff-${env}.txt"
node buildspecs/scripts/guard-infra-diff.js "/tmp/diff-${env}.txt"
npx cdk deploy --app "$assembly" "${env}/*" --require-approval never --no-color --progress events
