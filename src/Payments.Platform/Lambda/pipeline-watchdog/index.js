'use strict';
// Scheduled every few minutes: counts pipeline actions that have been running longer than the
// threshold and publishes the count as a metric the "stuck executions" alarm watches. Manual
// approvals are excluded: waiting for a person is not stuck (the approval has its own 7-day timeout).
// No npm dependencies: the nodejs24.x runtime's AWS SDK v3, loaded lazily so tests inject fakes.

function isApproval(action) {
  const type = action.input && action.input.actionTypeId;
  return Boolean(type && type.category === 'Approval');
}

async function findStuck(pipeline, pipelineName, thresholdMs, now) {
  const stuck = [];
  const executions = await pipeline.listPipelineExecutions({ pipelineName, maxResults: 25 });
  for (const execution of executions.pipelineExecutionSummaries || []) {
    if (execution.status !== 'InProgress') continue;
    const actions = await pipeline.listActionExecutions({
      pipelineName, filter: { pipelineExecutionId: execution.pipelineExecutionId }, maxResults: 100,
    });
    for (const action of actions.actionExecutionDetails || []) {
      if (action.status !== 'InProgress' || isApproval(action)) continue;
      const started = new Date(action.startTime).getTime();
      if (Number.isFinite(started) && now - started > thresholdMs) {
        stuck.push({ executionId: execution.pipelineExecutionId, stage: action.stageName, action: action.actionName, minutes: Math.floor((now - started) / 60000) });
      }
    }
  }
  return stuck;
}

function createHandler(deps) {
  return async () => {
    const env = deps.env;
    const pipelineName = env.PIPELINE_NAME;
    const thresholdMinutes = Number(env.STUCK_AFTER_MINUTES);
    if (!pipelineName || !Number.isFinite(thresholdMinutes) || thresholdMinutes <= 0) {
      throw new Error('PIPELINE_NAME and a positive STUCK_AFTER_MINUTES must be set');
    }
    const stuck = await findStuck(deps.pipeline(), pipelineName, thresholdMinutes * 60000, deps.now());
    await deps.metrics().putMetricData({
      Namespace: env.METRIC_NAMESPACE || 'Payments/Delivery',
      MetricData: [{ MetricName: 'StuckActions', Dimensions: [{ Name: 'PipelineName', Value: pipelineName }], Value: stuck.length, Unit: 'Count' }],
    });
    deps.log(JSON.stringify({ pipelineName, thresholdMinutes, stuck }));
    return { stuck };
  };
}

function awsDeps() {
  let cp, cw;
  return {
    env: process.env,
    now: () => Date.now(),
    log: (line) => console.log(line),
    pipeline: () => {
      if (!cp) {
        const sdk = require('@aws-sdk/client-codepipeline');
        const client = new sdk.CodePipelineClient({});
        cp = {
          listPipelineExecutions: (input) => client.send(new sdk.ListPipelineExecutionsCommand(input)),
          listActionExecutions: (input) => client.send(new sdk.ListActionExecutionsCommand(input)),
        };
      }
      return cp;
    },
    metrics: () => {
      if (!cw) {
        const sdk = require('@aws-sdk/client-cloudwatch');
        const client = new sdk.CloudWatchClient({});
        cw = { putMetricData: (input) => client.send(new sdk.PutMetricDataCommand(input)) };
      }
      return cw;
    },
  };
}

let defaultHandler;
exports.handler = (event) => (defaultHandler ||= createHandler(awsDeps()))(event);
exports.createHandler = createHandler;
