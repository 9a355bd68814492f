#!/usr/bin/env bash
# Builds the service image once, pushes it to every environment's ECR repository under an immutable
# tag (the source commit), and renders each environment's release files into release/<env>/.
# Environment (set by the CodeBuild project from the CDK code, so the values match the stacks):
#   ENVIRONMENTS="dev staging prod", ECR_REPOSITORY_<ENV>, TASK_FAMILY_<ENV>, PLATFORM_STACK_<ENV>, HOOK_FUNCTION_<ENV>,
#   CONTAINER_NAME, CONTAINER_PORT, AWS_ACCOUNT_ID, AWS_REGION, SOURCE_COMMIT_ID (GitHub source) or a
#   .source-commit file in the source bundle (S3 source; written by buildspecs/scripts/upload-source.sh).
#   RELEASE_DIR (default release) receives <env>/{taskdef.json,appspec.yaml,imageDetail.json}.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

tag="${SOURCE_COMMIT_ID:-}"
if [ -z "$tag" ] && [ -f .source-commit ]; then tag=$(tr -d '[:space:]' < .source-commit); fi
if ! [[ "$tag" =~ ^[0-9a-f]{7,40}$ ]]; then
  echo "no source commit id (SOURCE_COMMIT_ID or .source-commit): refusing to push an untraceable image (got '$tag')" >&2
  exit 2
fi
registry="${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com"
aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry"

local_image="payments-api:${tag}"
# The api/worker task definitions run on X86_64 (Payments.Platform Services.cs, RuntimePlatform): build for
# it whatever the build host is, so an image can never fail on Fargate with "exec format error".
docker build --pull --platform linux/amd64 --file src/Payments.Api/Dockerfile --tag "$local_image" \
  --label "org.opencontainers.image.revision=${tag}" .

release_dir="${RELEASE_DIR:-release}"
rm -rf "$release_dir"
for env in ${ENVIRONMENTS}; do
  upper=$(echo "$env" | tr '[:lower:]' '[:upper:]')
  repo_var="ECR_REPOSITORY_${upper}"; family_var="TASK_FAMILY_${upper}"; hook_var="HOOK_FUNCTION_${upper}"; stack_var="PLATFORM_STACK_${upper}"
  repository="${!repo_var}"; family="${!family_var}"; hook="${!hook_var}"; stack="${!stack_var}"
  uri="${registry}/${repository}:${tag}"
  # Tags are immutable: a retried build of the same commit finds the tag and reuses the image.
  if aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=${tag}" >/dev/null 2>&1; then
    echo "$uri already exists (immutable tag); not pushing again"
  else
    docker tag "$local_image" "$uri"
    docker push "$uri"
  fi
  # Render from the revision CloudFormation manages (the platform code's settings), not the family's
  # latest: that one was registered by CodeDeploy from the previous release's taskdef.json, so rendering
  # from it would carry old container settings forward and a platform change would never go live.
  revision=$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='ApiTaskDefinitionArn'].OutputValue" --output text)
  if ! [[ "$revision" =~ ^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/${family}:[0-9]+$ ]]; then
    echo "stack $stack has no ApiTaskDefinitionArn output for family $family (got '$revision'): deploy the platform stack first" >&2
    exit 3
  fi
  described=$(mktemp)
  aws ecs describe-task-definition --task-definition "$revision" --include TAGS > "$described"
  node buildspecs/scripts/render-release.js --task-definition "$described" \
    --container "$CONTAINER_NAME" --port "$CONTAINER_PORT" --image-uri "$uri" \
    --hook-function "$hook" --out "${release_dir}/${env}"
  rm -f "$described"
done
