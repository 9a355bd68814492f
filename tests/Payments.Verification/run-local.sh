#!/usr/bin/env bash
# The post-deploy verification suite against the local service, so it never rots: s3rver stands in for the
# transaction-log bucket, the service runs with SQLite and a configured verification merchant (as the
# platform configures it in the cloud), and the pipeline's own script, buildspecs/scripts/verify-deployment.sh,
# runs with the AWS CLI stubbed to answer describe-stacks and the merchant secret for a "local" environment.
# Needs `npm ci` (s3rver) and a Release build of the solution; scripts/test.sh runs it after both.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/payments-verify.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for WHAT URL: until the URL answers 2xx, at most 60 s
  for _ in $(seq 1 120); do curl -fsS -o /dev/null "$2" 2>/dev/null && return 0; sleep 0.5; done
  echo "$1 did not come up at $2" >&2; return 1
}

s3_port="$(free_port)"
mkdir -p "$work/s3" "$work/bin" "$work/service"
"$root/node_modules/.bin/s3rver" -d "$work/s3" -a 127.0.0.1 -p "$s3_port" -s > "$work/s3rver.log" 2>&1 &
pids+=($!)
bucket=payments-local-transaction-log
for _ in $(seq 1 120); do curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$s3_port/$bucket" 2>/dev/null && break; sleep 0.5; done
wait_for s3rver "http://127.0.0.1:$s3_port/$bucket"

api_port="$(free_port)"
merchant=acct_verify_local
api_key="sk_verify_$(python3 -c 'import secrets; print(secrets.token_hex(20))')"
(
  cd "$work/service"
  export ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$api_port"
  export ConnectionStrings__Payments="Data Source=$work/service/payments.db"
  export Payments__Merchants__0__Id="$merchant" Payments__Merchants__0__ApiKey="$api_key"
  export Payments__TransactionLog__Sink=S3 Payments__TransactionLog__Bucket="$bucket" Payments__TransactionLog__Prefix=transaction-log/
  export Payments__TransactionLog__ServiceUrl="http://127.0.0.1:$s3_port" Payments__TransactionLog__ForcePathStyle=true
  export Payments__TransactionLog__ChunkedUploads=false Payments__TransactionLog__PollIntervalMs=200
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
  exec dotnet run --project "$root/src/Payments.Api" -c Release --no-build --no-launch-profile
) > "$work/service.log" 2>&1 &
pids+=($!)
if ! wait_for "the payments service" "http://127.0.0.1:$api_port/healthz/ready"; then tail -20 "$work/service.log" >&2; exit 1; fi

# What CloudFormation and Secrets Manager would answer for a deployed environment named "local".
secret_arn="arn:aws:secretsmanager:us-east-1:000000000000:secret:local-verification-merchant"
cat > "$work/stacks.json" <<JSON
{"Stacks":[{"StackName":"payments-local-platform","Outputs":[
  {"OutputKey":"ApiUrl","OutputValue":"http://127.0.0.1:$api_port"},
  {"OutputKey":"TransactionLogBucketName","OutputValue":"$bucket"},
  {"OutputKey":"TransactionLogPrefix","OutputValue":"transaction-log/"},
  {"OutputKey":"VerificationMerchantSecretArn","OutputValue":"$secret_arn"}]}]}
JSON
printf '{"merchantId":"%s","apiKey":"%s"}\n' "$merchant" "$api_key" > "$work/secret.json"
cat > "$work/bin/aws" <<STUB
#!/usr/bin/env bash
# Answers exactly the calls verify-deployment.sh must make; anything else fails loudly.
case "\$*" in
  "cloudformation describe-stacks --stack-name payments-local-platform --output json") cat "$work/stacks.json" ;;
  "secretsmanager get-secret-value --secret-id $secret_arn --query SecretString --output text") cat "$work/secret.json" ;;
  *) echo "aws stub: unexpected call: \$*" >&2; exit 254 ;;
esac
STUB
chmod +x "$work/bin/aws"

# Twice: the second run starts from a non-empty balance and transaction log, as every deployed run does.
status=0
for run in 1 2; do
  echo "==> local run $run of 2"
  PATH="$work/bin:$PATH" VERIFY_NO_BUILD=1 PAYMENTS_VERIFY_S3_ENDPOINT="http://127.0.0.1:$s3_port" \
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 \
    "$root/buildspecs/scripts/verify-deployment.sh" local "$work/cfn-outputs/flat-outputs.json" || status=$?
  [ "$status" -eq 0 ] || break
done
if [ "$status" -ne 0 ]; then echo "--- service log (last 20 lines)"; tail -20 "$work/service.log"; fi
exit "$status"
