'use strict';
// CodeDeploy AfterAllowTestTraffic hook: proves the green task set serves real traffic on the test
// listener before any production traffic moves. No npm dependencies: the AWS SDK v3 clients come
// from the nodejs24.x runtime and are loaded lazily so the tests inject fakes and need no AWS.
const http = require('node:http');
const https = require('node:https');

const TEST_CARD = '4242424242424242';

// tlsHost: the name on the listener's certificate. The hook dials the ALB's own DNS name, which is not on
// the certificate, so TLS is verified against (and SNI/Host carry) the certificate's name instead.
function request(baseUrl, method, path, { headers = {}, body, timeoutMs, tlsHost }) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method,
      headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...(tlsHost ? { host: tlsHost } : {}), ...headers },
      timeout: timeoutMs,
      ...(tlsHost ? { servername: tlsHost } : {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, json, text });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function expect(res, status, what) {
  if (res.status !== status) {
    const error = res.json && res.json.error ? ` ${res.json.error.type}/${res.json.error.code}` : '';
    throw new Error(`${what}: expected HTTP ${status}, got ${res.status}${error}`);
  }
}

// The smoke test itself; throws with a message that says which step failed.
async function smokeTest({ baseUrl, readinessPath, credentials, timeoutMs: requestTimeout, tlsHost, idempotencyKey }) {
  const options = { timeoutMs: requestTimeout, tlsHost };
  const ready = await request(baseUrl, 'GET', readinessPath, { ...options });
  expect(ready, 200, `readiness ${readinessPath}`);
  const auth = { authorization: `Bearer ${credentials.apiKey}` };
  const now = new Date();
  const authorize = await request(baseUrl, 'POST', '/v1/payments', {
    ...options,
    headers: { ...auth, 'idempotency-key': idempotencyKey },
    body: {
      amount: 100, currency: 'usd', capture: false,
      payment_method: { card: { number: TEST_CARD, exp_month: 12, exp_year: now.getUTCFullYear() + 2, cvc: '123' } },
      description: 'codedeploy pre-traffic smoke test', metadata: { smoke_test: 'true' },
    },
  });
  expect(authorize, 201, 'authorize');
  const payment = authorize.json || {};
  if (payment.status !== 'requires_capture' || typeof payment.id !== 'string') {
    throw new Error(`authorize: expected status requires_capture, got ${payment.status}`);
  }
  const cancel = await request(baseUrl, 'POST', `/v1/payments/${encodeURIComponent(payment.id)}/cancel`, {
    ...options, headers: { ...auth, 'idempotency-key': `${idempotencyKey}-cancel` },
  });
  expect(cancel, 200, 'cancel');
  if (!cancel.json || cancel.json.status !== 'canceled') {
    throw new Error(`cancel: expected status canceled, got ${cancel.json && cancel.json.status}`);
  }
  return payment.id;
}

async function readCredentials(secrets, secretId) {
  const value = await secrets.getSecretValue({ SecretId: secretId });
  let parsed;
  try { parsed = JSON.parse(value.SecretString || ''); } catch { parsed = undefined; }
  if (!parsed || typeof parsed.apiKey !== 'string' || !parsed.apiKey) {
    throw new Error('smoke merchant secret has no apiKey');
  }
  return parsed;
}

function withDeadline(promise, ms) {
  let timer;
  const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`smoke test exceeded ${ms} ms`)), ms); });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function createHandler(deps) {
  return async (event) => {
    const deploymentId = event && event.DeploymentId;
    const executionId = event && event.LifecycleEventHookExecutionId;
    if (!deploymentId || !executionId) throw new Error('event lacks DeploymentId/LifecycleEventHookExecutionId');
    const env = deps.env;
    const timeoutMs = Number(env.REQUEST_TIMEOUT_MS || 5000);
    let status = 'Failed';
    let detail;
    try {
      if (!env.TEST_ENDPOINT || !env.SMOKE_SECRET_ID) throw new Error('TEST_ENDPOINT and SMOKE_SECRET_ID must be set');
      const run = async () => {
        const credentials = await readCredentials(deps.secrets(), env.SMOKE_SECRET_ID);
        return smokeTest({
          baseUrl: env.TEST_ENDPOINT, readinessPath: env.READINESS_PATH || '/healthz/ready',
          credentials, timeoutMs, tlsHost: env.TEST_TLS_HOST || undefined, idempotencyKey: `smoke-${executionId}`.slice(0, 200),
        });
      };
      detail = await withDeadline(run(), Number(env.TOTAL_TIMEOUT_MS || 60000));
      status = 'Succeeded';
    } catch (error) {
      detail = error && error.message ? error.message : String(error);
    }
    deps.log(JSON.stringify({ deploymentId, executionId, status, detail }));
    await deps.codedeploy().putLifecycleEventHookExecutionStatus({
      deploymentId, lifecycleEventHookExecutionId: executionId, status,
    });
    return { status, detail };
  };
}

function awsDeps() {
  let cd, sm;
  return {
    env: process.env,
    log: (line) => console.log(line),
    codedeploy: () => {
      if (!cd) {
        const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } = require('@aws-sdk/client-codedeploy');
        const client = new CodeDeployClient({});
        cd = { putLifecycleEventHookExecutionStatus: (input) => client.send(new PutLifecycleEventHookExecutionStatusCommand(input)) };
      }
      return cd;
    },
    secrets: () => {
      if (!sm) {
        const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
        const client = new SecretsManagerClient({});
        sm = { getSecretValue: (input) => client.send(new GetSecretValueCommand(input)) };
      }
      return sm;
    },
  };
}

let defaultHandler;
exports.handler = (event) => (defaultHandler ||= createHandler(awsDeps()))(event);
exports.createHandler = createHandler;
