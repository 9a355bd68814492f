#!/usr/bin/env bash
# Deploys one environment's stacks from the cloud assembly the Test action synthesized and checked
# (cfn-lint + preflight) with this commit's image tag (`-c imageTag=<commit>`), after checking that the
# assembly runs the image the Image action scanned (assembly-image.js) and refusing diffs that would break
# blue/green (guard-infra-diff.js). CloudFormation then rolls the worker service to the new image (rolling,
# circuit breaker) and registers the api revision the Release action renders; the api service itself is
# CODE_DEPLOY-controlled and names only its task-definition family, so CloudFormation leaves it alone.
# Usage: deploy-infra.sh <environment>   (stacks of the stage, e.g. "dev/*")
set -euo pipefail
env="${1:?usage: deploy-infra.sh <environment>}"
root=$(cd "$(dirname "$0")/../.." && pwd)
assembly="${CDK_ASSEMBLY:-${CODEBUILD_SRC_DIR_synth:-}}"
image_json="${IMAGE_ARTIFACT_DIR:-${CODEBUILD_SRC_DIR_image:-}}/image.json"
cd "$root"
if [ ! -f "$image_json" ]; then
  echo "no image artifact ($image_json): the Image action did not pass its scan gate for this execution" >&2
  exit 2
fi
node buildspecs/scripts/assembly-image.js "$assembly" "$env" "$image_json"
npm ci --no-audit --no-fund --loglevel=error
# The Test action synthesized in another CodeBuild source directory: point Docker asset contexts here.
node buildspecs/scripts/relocate-assets.js "$assembly" "$root"
npx cdk diff --app "$assembly" "${env}/*" --no-color 2>&1 | tee "/tmp/diff-${env}.txt"
node buildspecs/scripts/guard-infra-diff.js "/tmp/diff-${env}.txt"
npx cdk deploy --app "$assembly" "${env}/*" --require-approval never --no-color --progress events
