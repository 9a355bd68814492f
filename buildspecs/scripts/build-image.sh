#!/usr/bin/env bash
# The pipeline's Image action: the service image of this commit, in every environment's ECR repository
# under the immutable commit tag, scanned, and gated on the scan before anything can be released.
#   1. Ask each repository whether the tag exists (ImageNotFoundException = absent, any other error stops).
#   2. Missing in the first environment's repository (the scan repository): build once and push there;
#      present there: pull that image, so every repository holds the same digest. Present everywhere: no
#      Docker work at all (a retry, or a re-run of an old commit to roll back).
#   3. Wait for the repository's scan of the image and gate on it (image-scan-gate.js): a CRITICAL
#      finding, or a scan that did not complete, exits non-zero here.
#   4. Only then push to the other repositories, and write <IMAGE_ARTIFACT_DIR>/image.json, the artifact
#      every later action consumes (Infrastructure, Release): no artifact, no deployment.
# Environment (set by the CodeBuild project from the CDK code): ENVIRONMENTS="dev staging prod",
#   ECR_REPOSITORY_<ENV>, AWS_ACCOUNT_ID, AWS_REGION, SOURCE_COMMIT_ID or .source-commit (source-commit.sh),
#   IMAGE_ARTIFACT_DIR (default image).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
source buildspecs/scripts/ecr-images.sh

tag=$(buildspecs/scripts/source-commit.sh)
out="${IMAGE_ARTIFACT_DIR:-image}"
rm -rf "$out"
registry="${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com"

read -r -a environments <<< "${ENVIRONMENTS}"
repository_of() { local var="ECR_REPOSITORY_$(echo "$1" | tr '[:lower:]' '[:upper:]')"; echo "${!var:?$var is not set}"; }
scan_repository=$(repository_of "${environments[0]}")

missing=()
for env in "${environments[@]}"; do
  repository=$(repository_of "$env")
  if image_exists "$repository" "$tag"; then
    echo "${repository}:${tag} exists (immutable tag): not building or pushing it again"
  else
    missing+=("$repository")
  fi
done

local_image="${registry}/${scan_repository}:${tag}"
if [ ${#missing[@]} -gt 0 ]; then
  aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry"
  if [ "${missing[0]}" = "$scan_repository" ]; then
    # The api/worker task definitions run on X86_64 (Payments.Platform Services.cs, RuntimePlatform): build
    # for it whatever the build host is, so an image can never fail on Fargate with "exec format error".
    DOCKER_BUILDKIT=1 docker build --pull --platform linux/amd64 --file src/Payments.Api/Dockerfile --tag "$local_image" \
      --label "org.opencontainers.image.revision=${tag}" .
    docker push "$local_image"
    missing=("${missing[@]:1}")
  else
    docker pull --platform linux/amd64 "$local_image"
  fi
fi

scan_report=$(mktemp)
trap 'rm -f "$scan_report"' EXIT
aws ecr wait image-scan-complete --repository-name "$scan_repository" --image-id "imageTag=${tag}"
aws ecr describe-image-scan-findings --repository-name "$scan_repository" --image-id "imageTag=${tag}" --output json > "$scan_report"
node buildspecs/scripts/image-scan-gate.js "$scan_report"

for repository in "${missing[@]}"; do
  docker tag "$local_image" "${registry}/${repository}:${tag}"
  docker push "${registry}/${repository}:${tag}"
done

digest=$(image_digest "$scan_repository" "$tag")
for env in "${environments[@]}"; do
  repository=$(repository_of "$env")
  other=$(image_digest "$repository" "$tag")
  if [ "$other" != "$digest" ]; then
    echo "${repository}:${tag} is ${other}, but ${scan_repository}:${tag} is ${digest}: one commit tag names two images; investigate before releasing" >&2
    exit 6
  fi
done

mkdir -p "$out"
node -e 'const [tag, digest, scanned] = process.argv.slice(1); console.log(JSON.stringify({ tag, digest, scannedIn: scanned }));' \
  "$tag" "$digest" "$scan_repository" > "$out/image.json"
echo "image ${tag} (${digest}) scanned in ${scan_repository}, in every repository: $(cat "$out/image.json")"
