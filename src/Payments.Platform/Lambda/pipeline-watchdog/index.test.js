'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler } = require('./index.js');

const NOW = Date.parse('2026-11-23T12:00:00Z');
const minutesAgo = (m) => new Date(NOW - m * 60000);

function fakes({ executions = [], actions = {}, failList } = {}) {
  const metrics = [];
  const actionQueries = [];
  return {
    metrics,
    actionQueries,
    deps: (env) => ({
      env,
      now: () => NOW,
      log: () => {},
      pipeline: () => ({
        listPipelineExecutions: async (input) => {
          assert.equal(input.pipelineName, 'payments-release');
          if (failList) throw failList;
          return { pipelineExecutionSummaries: executions };
        },
        listActionExecutions: async (input) => {
          actionQueries.push(input.filter.pipelineExecutionId);
          return { actionExecutionDetails: actions[input.filter.pipelineExecutionId] || [] };
        },
      }),
      metrics: () => ({ putMetricData: async (input) => { metrics.push(input); } }),
    }),
  };
}

const env = { PIPELINE_NAME: 'payments-release', STUCK_AFTER_MINUTES: '60' };
const action = (name, category, status, startedMinutesAgo) => ({
  stageName: 'Prod', actionName: name, status, startTime: minutesAgo(startedMinutesAgo), input: { actionTypeId: { category } },
});
const published = (f) => f.metrics[0].MetricData[0];

test('no executions -> publishes 0 so the alarm sees the watchdog is alive', async () => {
  const f = fakes();
  const result = await createHandler(f.deps(env))({});
  assert.deepEqual(result.stuck, []);
  assert.equal(f.metrics[0].Namespace, 'Payments/Delivery');
  assert.deepEqual(published(f), { MetricName: 'StuckActions', Dimensions: [{ Name: 'PipelineName', Value: 'payments-release' }], Value: 0, Unit: 'Count' });
});

test('an action running past the threshold counts as stuck', async () => {
  const f = fakes({
    executions: [{ pipelineExecutionId: 'e1', status: 'InProgress' }],
    actions: { e1: [action('Deploy', 'Deploy', 'InProgress', 95), action('Infra', 'Build', 'Succeeded', 120)] },
  });
  const result = await createHandler(f.deps(env))({});
  assert.deepEqual(result.stuck, [{ executionId: 'e1', stage: 'Prod', action: 'Deploy', minutes: 95 }]);
  assert.equal(published(f).Value, 1);
});

test('a young action is not stuck', async () => {
  const f = fakes({ executions: [{ pipelineExecutionId: 'e1', status: 'InProgress' }], actions: { e1: [action('Deploy', 'Deploy', 'InProgress', 59)] } });
  await createHandler(f.deps(env))({});
  assert.equal(published(f).Value, 0);
});

test('waiting for a manual approval is not stuck', async () => {
  const f = fakes({ executions: [{ pipelineExecutionId: 'e1', status: 'InProgress' }], actions: { e1: [action('ApproveProd', 'Approval', 'InProgress', 600)] } });
  await createHandler(f.deps(env))({});
  assert.equal(published(f).Value, 0);
});

test('finished executions are not inspected', async () => {
  const f = fakes({ executions: [{ pipelineExecutionId: 'e1', status: 'Succeeded' }, { pipelineExecutionId: 'e2', status: 'Failed' }] });
  await createHandler(f.deps(env))({});
  assert.deepEqual(f.actionQueries, []);
  assert.equal(published(f).Value, 0);
});

test('several stuck actions across executions are all counted', async () => {
  const f = fakes({
    executions: [{ pipelineExecutionId: 'e1', status: 'InProgress' }, { pipelineExecutionId: 'e2', status: 'InProgress' }],
    actions: { e1: [action('Test', 'Test', 'InProgress', 61)], e2: [action('Deploy', 'Deploy', 'InProgress', 300)] },
  });
  await createHandler(f.deps(env))({});
  assert.equal(published(f).Value, 2);
});

test('bad configuration fails loudly (missing data then trips the alarm)', async () => {
  const f = fakes();
  await assert.rejects(createHandler(f.deps({ PIPELINE_NAME: 'payments-release', STUCK_AFTER_MINUTES: 'soon' }))({}), /STUCK_AFTER_MINUTES/);
  await assert.rejects(createHandler(f.deps({ STUCK_AFTER_MINUTES: '60' }))({}), /PIPELINE_NAME/);
  assert.equal(f.metrics.length, 0);
});

test('an API failure propagates and publishes nothing', async () => {
  const f = fakes({ failList: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) });
  await assert.rejects(createHandler(f.deps(env))({}), /Rate exceeded/);
  assert.equal(f.metrics.length, 0);
});
