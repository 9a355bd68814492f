#!/usr/bin/env bash
# Starts a release from a git checkout when the pipeline's source is S3: zips the committed tree
# (never uncommitted files) with the commit id in .source-commit and uploads it to the source key.
# The bucket is versioned and EventBridge starts the pipeline on the new version.
# Usage: buildspecs/scripts/upload-source.sh <bucket> [key]   (key default: payments/source.zip)
set -euo pipefail
bucket="${1:?usage: upload-source.sh <bucket> [key]}"
key="${2:-payments/source.zip}"
cd "$(git rev-parse --show-toplevel)"
commit=$(git rev-parse HEAD)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive --format=zip --output "$work/source.zip" HEAD
(cd "$work" && echo "$commit" > .source-commit && zip -q source.zip .source-commit)
aws s3 cp "$work/source.zip" "s3://${bucket}/${key}" --sse aws:kms
echo "uploaded ${commit} to s3://${bucket}/${key}"
