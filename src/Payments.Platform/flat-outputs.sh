#!/usr/bin/env bash
# Writes a deployed environment's stack outputs to cfn-outputs/flat-outputs.json.
#   src/Payments.Platform/flat-outputs.sh dev            # reads the stacks with the AWS CLI
#   src/Payments.Platform/flat-outputs.sh dev out.json   # other destination
# Needs AWS credentials for the environment's account/region (AWS_PROFILE / AWS_REGION as usual).
set -euo pipefail
env="${1:?usage: flat-outputs.sh <dev|staging|prod> [output]}"
output="${2:-cfn-outputs/flat-outputs.json}"
cd "$(dirname "$0")/../.."
stacks="$(mktemp)"
trap 'rm -f "$stacks"' EXIT
aws cloudformation describe-stacks --output json > "$stacks"
dotnet run --project src/Payments.Platform -c Release -- flat-outputs "$env" "$stacks" "$output"
