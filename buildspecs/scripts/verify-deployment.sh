#!/usr/bin/env bash
# Post-deploy verification of one deployed environment (docs/delivery.md): the platform stack's outputs
# become cfn-outputs/flat-outputs.json, the verification merchant's API key is read from the secret named
# by its VerificationMerchantSecretArn output, then tests/Payments.Verification drives the service through
# the load balancer. The pipeline's Verify action runs this; so can a person with the environment's
# credentials (docs/runbook.md):
#   buildspecs/scripts/verify-deployment.sh dev [outputs file, default cfn-outputs/flat-outputs.json]
# Environment: PLATFORM_STACK (default payments-<env>-platform); VERIFY_TLS_HOST, a name on the
# listener's certificate when the environment serves HTTPS; VERIFY_NO_BUILD=1 runs the projects as
# already built with -c Release.
set -euo pipefail
env="${1:?usage: verify-deployment.sh <dev|staging|prod> [outputs file]}"
outputs="${2:-cfn-outputs/flat-outputs.json}"
cd "$(dirname "$0")/../.."
stack="${PLATFORM_STACK:-payments-$env-platform}"
build=()
if [ "${VERIFY_NO_BUILD:-0}" = "1" ]; then build=(--no-build); fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "==> outputs of $stack -> $outputs"
aws cloudformation describe-stacks --stack-name "$stack" --output json > "$tmp/stacks.json"
dotnet run --project src/Payments.Platform -c Release "${build[@]}" -- flat-outputs "$env" "$tmp/stacks.json" "$outputs"

secret_arn="$(node -e '
const outputs = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const arn = outputs.VerificationMerchantSecretArn;
if (typeof arn !== "string" || !arn) { console.error(`${process.argv[1]} has no VerificationMerchantSecretArn output: is the platform deployed with the post-deploy verification merchant?`); process.exit(1); }
console.log(arn);' "$outputs")"
echo "==> verification merchant key from $secret_arn"
aws secretsmanager get-secret-value --secret-id "$secret_arn" --query SecretString --output text > "$tmp/secret.json"
PAYMENTS_VERIFY_API_KEY="$(node -e '
let secret;
try { secret = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch { secret = undefined; }
if (!secret || typeof secret.apiKey !== "string" || !secret.apiKey) { console.error("the verification merchant secret has no apiKey"); process.exit(1); }
console.log(secret.apiKey);' "$tmp/secret.json")"
rm -f "$tmp/secret.json"
export PAYMENTS_VERIFY_API_KEY

echo "==> post-deploy verification of $env"
tls=()
if [ -n "${VERIFY_TLS_HOST:-}" ]; then tls=(--tls-host "$VERIFY_TLS_HOST"); fi
dotnet run --project tests/Payments.Verification -c Release "${build[@]}" -- --outputs "$outputs" "${tls[@]}"
