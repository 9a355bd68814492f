'use strict';
// The hook against a local fake of the payments API (shapes of issue 2) and fake AWS clients.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { createHandler } = require('./index.js');

const API_KEY = 'sk_smoke_0123456789abcdef';

// A fake API whose behaviour each test tweaks; it records every request it sees.
async function startFakeApi(overrides = {}, tls) {
  const seen = [];
  const payments = new Map();
  const behaviour = {
    ready: (res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"status":"ready"}'); },
    authorizeStatus: 'requires_capture',
    decline: false,
    cancelStatus: 'canceled',
    delayMs: 0,
    ...overrides,
  };
  const send = (res, status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      setTimeout(() => {
        if (req.url === '/healthz/ready') return behaviour.ready(res);
        if (req.headers.authorization !== `Bearer ${API_KEY}`) {
          return send(res, 401, { error: { type: 'authentication_error', code: 'invalid_api_key', message: 'bad key' } });
        }
        if (req.method === 'POST' && req.url === '/v1/payments') {
          if (behaviour.decline) {
            return send(res, 402, { error: { type: 'card_error', code: 'card_declined', message: 'declined', decline_code: 'generic_decline' } });
          }
          const payment = {
            id: `pay_${payments.size + 1}`, object: 'payment', status: behaviour.authorizeStatus, amount: body.amount,
            amount_capturable: body.amount, amount_captured: 0, amount_refunded: 0, currency: body.currency,
            card: { brand: 'visa', last4: body.payment_method.card.number.slice(-4), exp_month: 12, exp_year: 2030 },
            description: body.description, metadata: body.metadata, created: 1,
          };
          payments.set(payment.id, payment);
          return send(res, 201, payment);
        }
        const cancel = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(req.url);
        if (req.method === 'POST' && cancel && payments.has(cancel[1])) {
          const payment = { ...payments.get(cancel[1]), status: behaviour.cancelStatus, amount_capturable: 0 };
          return send(res, 200, payment);
        }
        return send(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'no such route' } });
      }, behaviour.delayMs);
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

function fakeAws({ secretString = JSON.stringify({ merchantId: 'acct_smoke_dev', apiKey: API_KEY }), secretError } = {}) {
  const reports = [];
  const secretRequests = [];
  return {
    reports,
    secretRequests,
    deps: (env) => ({
      env,
      log: () => {},
      codedeploy: () => ({ putLifecycleEventHookExecutionStatus: async (input) => { reports.push(input); return {}; } }),
      secrets: () => ({
        getSecretValue: async (input) => {
          secretRequests.push(input);
          if (secretError) throw secretError;
          return { SecretString: secretString };
        },
      }),
    }),
  };
}

const event = { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'exec-42' };

async function run(apiOverrides, awsOptions, envOverrides = {}) {
  const api = await startFakeApi(apiOverrides);
  const aws = fakeAws(awsOptions);
  try {
    const env = { TEST_ENDPOINT: api.url, SMOKE_SECRET_ID: 'arn:secret:smoke', READINESS_PATH: '/healthz/ready', REQUEST_TIMEOUT_MS: '2000', ...envOverrides };
    const result = await createHandler(aws.deps(env))(event);
    return { result, api, aws };
  } finally {
    await api.close();
  }
}

function assertReported(aws, status) {
  assert.deepEqual(aws.reports, [{ deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'exec-42', status }]);
}

test('healthy green: ready, authorize requires_capture, cancel canceled -> Succeeded', async () => {
  const { result, api, aws } = await run();
  assert.equal(result.status, 'Succeeded');
  assertReported(aws, 'Succeeded');
  assert.deepEqual(aws.secretRequests, [{ SecretId: 'arn:secret:smoke' }]);
  assert.deepEqual(api.seen.map((r) => `${r.method} ${r.url}`), ['GET /healthz/ready', 'POST /v1/payments', 'POST /v1/payments/pay_1/cancel']);
  const authorize = api.seen[1];
  assert.equal(authorize.body.capture, false);
  assert.equal(authorize.body.payment_method.card.number, '4242424242424242');
  assert.equal(authorize.headers['idempotency-key'], 'smoke-exec-42');
  assert.equal(authorize.headers['content-type'], 'application/json');
  assert.ok(Number.isInteger(authorize.body.amount) && authorize.body.amount > 0);
  assert.equal(api.seen[2].headers['idempotency-key'], 'smoke-exec-42-cancel');
});

test('not ready (503) -> Failed without touching the payments API', async () => {
  const ready = (res) => { res.writeHead(503); res.end('{"status":"draining"}'); };
  const { result, api, aws } = await run({ ready });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /readiness.*503/);
  assertReported(aws, 'Failed');
  assert.equal(api.seen.filter((r) => r.url.startsWith('/v1')).length, 0);
});

test('decline (402 card_error) -> Failed', async () => {
  const { result, aws } = await run({ decline: true });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /authorize: expected HTTP 201, got 402 card_error\/card_declined/);
  assertReported(aws, 'Failed');
});

test('authorize answers the wrong status (succeeded instead of requires_capture) -> Failed', async () => {
  const { result, aws } = await run({ authorizeStatus: 'succeeded' });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /requires_capture, got succeeded/);
  assertReported(aws, 'Failed');
});

test('cancel answers the wrong status -> Failed', async () => {
  const { result, aws } = await run({ cancelStatus: 'requires_capture' });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /cancel: expected status canceled/);
  assertReported(aws, 'Failed');
});

test('a request that hangs past the timeout -> Failed', async () => {
  const { result, aws } = await run({ delayMs: 1500 }, undefined, { REQUEST_TIMEOUT_MS: '200' });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /timed out after 200 ms/);
  assertReported(aws, 'Failed');
});

test('the overall deadline bounds a slow but answering service -> Failed', async () => {
  const { result, aws } = await run({ delayMs: 150 }, undefined, { REQUEST_TIMEOUT_MS: '1000', TOTAL_TIMEOUT_MS: '250' });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /exceeded 250 ms/);
  assertReported(aws, 'Failed');
});

test('secret missing (ResourceNotFoundException) -> Failed', async () => {
  const missing = Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
  const { result, api, aws } = await run(undefined, { secretError: missing });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /can't find the specified secret/);
  assertReported(aws, 'Failed');
  assert.equal(api.seen.length, 0);
});

test('secret without an apiKey -> Failed', async () => {
  const { result, aws } = await run(undefined, { secretString: '{"merchantId":"acct_smoke_dev"}' });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /no apiKey/);
  assertReported(aws, 'Failed');
});

test('wrong key (401) -> Failed', async () => {
  const { result, aws } = await run(undefined, { secretString: '{"apiKey":"sk_wrong_key_123"}' });
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /401 authentication_error/);
  assertReported(aws, 'Failed');
});

test('unreachable test listener -> Failed', async () => {
  const aws = fakeAws();
  const env = { TEST_ENDPOINT: 'http://127.0.0.1:1', SMOKE_SECRET_ID: 's', REQUEST_TIMEOUT_MS: '500' };
  const result = await createHandler(aws.deps(env))(event);
  assert.equal(result.status, 'Failed');
  assert.match(result.detail, /ECONNREFUSED/);
  assertReported(aws, 'Failed');
});

test('missing configuration -> Failed', async () => {
  const aws = fakeAws();
  const result = await createHandler(aws.deps({}))(event);
  assert.equal(result.status, 'Failed');
  assertReported(aws, 'Failed');
});

test('an event without deployment ids is rejected before reporting', async () => {
  const aws = fakeAws();
  await assert.rejects(createHandler(aws.deps({ TEST_ENDPOINT: 'http://x', SMOKE_SECRET_ID: 's' }))({}), /DeploymentId/);
  assert.equal(aws.reports.length, 0);
});

test('a failure to report to CodeDeploy surfaces (Lambda retries, CodeDeploy times the hook out)', async () => {
  const api = await startFakeApi();
  try {
    const aws = fakeAws();
    const deps = aws.deps({ TEST_ENDPOINT: api.url, SMOKE_SECRET_ID: 's' });
    deps.codedeploy = () => ({ putLifecycleEventHookExecutionStatus: async () => { throw new Error('AccessDenied'); } });
    await assert.rejects(createHandler(deps)(event), /AccessDenied/);
  } finally {
    await api.close();
  }
});

// A certificate for a name that is not the address dialled, like an ACM certificate on an ALB that
// the hook reaches by the ALB's own DNS name.
function selfSignedCertificate(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-addext', `subjectAltName=DNS:${name}`, '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { dir, key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')), certPath: path.join(dir, 'cert.pem') };
}

// Runs the handler in a child process that trusts the test certificate (NODE_EXTRA_CA_CERTS is read at start-up).
async function runTrustingCertificate(certPath, env) {
  const script = `
    const { createHandler } = require(${JSON.stringify(path.join(__dirname, 'index.js'))});
    const reports = [];
    createHandler({
      env: JSON.parse(process.env.HOOK_ENV), log: () => {},
      codedeploy: () => ({ putLifecycleEventHookExecutionStatus: async (i) => { reports.push(i); } }),
      secrets: () => ({ getSecretValue: async () => ({ SecretString: JSON.stringify({ apiKey: ${JSON.stringify(API_KEY)} }) }) }),
    })({ DeploymentId: 'd-TLS', LifecycleEventHookExecutionId: 'exec-tls' })
      .then((result) => console.log(JSON.stringify({ result, reports })));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath, HOOK_ENV: JSON.stringify(env) },
  });
  return JSON.parse(stdout);
}

test('HTTPS test listener: TLS is verified against the certificate name, not the dialled address', async () => {
  const certificate = selfSignedCertificate('payments-test.example');
  const api = await startFakeApi({}, { key: certificate.key, cert: certificate.cert });
  try {
    const base = { TEST_ENDPOINT: api.url, SMOKE_SECRET_ID: 's', REQUEST_TIMEOUT_MS: '3000' };
    const mismatch = await runTrustingCertificate(certificate.certPath, base);
    assert.equal(mismatch.result.status, 'Failed');
    assert.match(mismatch.result.detail, /altnames|does not match|Hostname/i);
    assert.equal(api.seen.length, 0);

    const verified = await runTrustingCertificate(certificate.certPath, { ...base, TEST_TLS_HOST: 'payments-test.example' });
    assert.equal(verified.result.status, 'Succeeded', verified.result.detail);
    assert.deepEqual(verified.reports, [{ deploymentId: 'd-TLS', lifecycleEventHookExecutionId: 'exec-tls', status: 'Succeeded' }]);
    assert.ok(api.seen.every((r) => r.headers.host === 'payments-test.example'));
  } finally {
    await api.close();
    fs.rmSync(certificate.dir, { recursive: true, force: true });
  }
});

test('HTTPS test listener with an untrusted certificate -> Failed', async () => {
  const certificate = selfSignedCertificate('payments-test.example');
  const api = await startFakeApi({}, { key: certificate.key, cert: certificate.cert });
  const aws = fakeAws();
  try {
    const env = { TEST_ENDPOINT: api.url, SMOKE_SECRET_ID: 's', TEST_TLS_HOST: 'payments-test.example', REQUEST_TIMEOUT_MS: '3000' };
    const result = await createHandler(aws.deps(env))(event);
    assert.equal(result.status, 'Failed');
    assert.match(result.detail, /self.signed|unable to verify/i);
    assertReported(aws, 'Failed');
  } finally {
    await api.close();
    fs.rmSync(certificate.dir, { recursive: true, force: true });
  }
});
