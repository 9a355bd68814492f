#!/usr/bin/env bash
# Prints the commit id a release is built from: SOURCE_COMMIT_ID (GitHub source, set by the pipeline)
# or the .source-commit file of an S3 source bundle (written by upload-source.sh). Exit 2 without one:
# an image or a deployment that cannot be traced to a commit is refused.
set -euo pipefail
cd "$(dirname "$0")/../.."
commit="${SOURCE_COMMIT_ID:-}"
if [ -z "$commit" ] && [ -f .source-commit ]; then commit=$(tr -d '[:space:]' < .source-commit); fi
if ! [[ "$commit" =~ ^[0-9a-f]{7,40}$ ]]; then
  echo "no source commit id (SOURCE_COMMIT_ID or .source-commit): refusing an untraceable release (got '$commit')" >&2
  exit 2
fi
echo "$commit"
