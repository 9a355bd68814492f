# Sourced by the release scripts: look-ups of one image tag in one ECR repository through the aws CLI.
# A look-up that fails for any reason other than "no such image" stops the script: guessing "absent"
# would rebuild and then hit the immutable tag, guessing "present" would release an image nobody pushed.

# image_exists <repository> <tag>: status 0 when the tag exists, 1 when ECR answers ImageNotFoundException;
# any other error (AccessDenied, RepositoryNotFoundException, throttling) exits 5 with ECR's message.
image_exists() {
  local error
  error=$(mktemp)
  if aws ecr describe-images --repository-name "$1" --image-ids "imageTag=$2" --output json > /dev/null 2> "$error"; then
    rm -f "$error"
    return 0
  fi
  if grep -q 'ImageNotFoundException' "$error"; then
    rm -f "$error"
    return 1
  fi
  echo "cannot tell whether $1:$2 exists (only ImageNotFoundException means absent):" >&2
  cat "$error" >&2
  rm -f "$error"
  exit 5
}

# image_digest <repository> <tag>: the manifest digest of an existing tag.
image_digest() {
  aws ecr describe-images --repository-name "$1" --image-ids "imageTag=$2" \
    --query 'imageDetails[0].imageDigest' --output text
}
