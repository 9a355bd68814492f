#!/usr/bin/env bash
# The pipeline's Release action of one environment, run after that environment's Infrastructure action:
#   1. renders taskdef.json, appspec.yaml and imageDetail.json into RELEASE_DIR (default release) from the
#      api task-definition revision the infrastructure deploy just registered (stack output
#      ApiTaskDefinitionArn), with the image of the Image action (image.json of the image artifact);
#   2. tags that image deployed-<commit> in the environment's repository (ecr put-image of the existing
#      manifest), so the repository's lifecycle rules keep what an environment runs.
# Environment: ENVIRONMENT, ECR_REPOSITORY, TASK_FAMILY, PLATFORM_STACK, HOOK_FUNCTION,
#   CAPACITY_PROVIDER_STRATEGY (the api service's, JSON), set by the pipeline action; CONTAINER_NAME,
#   CONTAINER_PORT, AWS_ACCOUNT_ID, AWS_REGION by the project; IMAGE_ARTIFACT_DIR (default: the image
#   artifact's CodeBuild directory, CODEBUILD_SRC_DIR_image).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source buildspecs/scripts/ecr-images.sh

image_json="${IMAGE_ARTIFACT_DIR:-${CODEBUILD_SRC_DIR_image:-}}/image.json"
if [ ! -f "$image_json" ]; then
  echo "no image artifact ($image_json): the Image action did not pass its scan gate for this execution" >&2
  exit 2
fi
tag=$(node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).tag' "$image_json")
repository="${ECR_REPOSITORY:?}"
uri="${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/${repository}:${tag}"
if ! image_exists "$repository" "$tag"; then
  echo "${repository}:${tag} does not exist: the Image action pushes it before any environment is released" >&2
  exit 4
fi

# The revision CloudFormation registered in this execution's Infrastructure action (the platform code's
# container settings with this commit's image), not the family's latest: that one was registered by
# CodeDeploy from the previous release's taskdef.json.
revision=$(aws cloudformation describe-stacks --stack-name "${PLATFORM_STACK:?}" \
  --query "Stacks[0].Outputs[?OutputKey=='ApiTaskDefinitionArn'].OutputValue" --output text)
if ! [[ "$revision" =~ ^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/${TASK_FAMILY:?}:[0-9]+$ ]]; then
  echo "stack $PLATFORM_STACK has no ApiTaskDefinitionArn output for family $TASK_FAMILY (got '$revision'): its Infrastructure action must deploy first" >&2
  exit 3
fi
described=$(mktemp)
trap 'rm -f "$described"' EXIT
aws ecs describe-task-definition --task-definition "$revision" --include TAGS > "$described"
node buildspecs/scripts/render-release.js --task-definition "$described" \
  --container "$CONTAINER_NAME" --port "$CONTAINER_PORT" --image-uri "$uri" \
  --hook-function "${HOOK_FUNCTION:?}" --capacity-provider-strategy "${CAPACITY_PROVIDER_STRATEGY:?}" \
  --out "${RELEASE_DIR:-release}"

# Promotion tag: the same manifest under deployed-<commit>, so the digest stays the one that was scanned.
promoted="deployed-${tag}"
if image_exists "$repository" "$promoted"; then
  if [ "$(image_digest "$repository" "$promoted")" != "$(image_digest "$repository" "$tag")" ]; then
    echo "${repository}:${promoted} names another image than ${repository}:${tag}: investigate, do not delete tags" >&2
    exit 6
  fi
  echo "${repository}:${promoted} already marks this image"
  exit 0
fi
image=$(mktemp)
manifest=$(mktemp)
error=$(mktemp)
trap 'rm -f "$described" "$image" "$manifest" "$error"' EXIT
aws ecr batch-get-image --repository-name "$repository" --image-ids "imageTag=${tag}" --output json > "$image"
media_type=$(node -e '
  const fs = require("node:fs");
  const [source, manifestFile] = process.argv.slice(1);
  const found = JSON.parse(fs.readFileSync(source, "utf8")).images || [];
  if (found.length !== 1 || !found[0].imageManifest) { console.error(`batch-get-image returned ${found.length} image(s)`); process.exit(1); }
  fs.writeFileSync(manifestFile, found[0].imageManifest);
  console.log(found[0].imageManifestMediaType || "");' "$image" "$manifest")
args=(--repository-name "$repository" --image-tag "$promoted" --image-manifest "file://${manifest}")
if [ -n "$media_type" ]; then args+=(--image-manifest-media-type "$media_type"); fi
if aws ecr put-image "${args[@]}" --output json > /dev/null 2> "$error"; then
  echo "tagged ${repository}:${tag} as ${promoted}"
elif grep -q 'ImageAlreadyExistsException' "$error"; then
  echo "${repository}:${promoted} already marks this image"
else
  cat "$error" >&2
  echo "could not tag ${repository}:${tag} as ${promoted}" >&2
  exit 7
fi
