/** The scheduled evaluator: every EventBridge tick evaluates each due release once. */
import { Logger } from '@aws-lambda-powertools/logger';
import { tickDue } from '../lib/engine/tick-due.js';
import { buildGateDeps } from '../lib/wiring/aws-deps.js';
import { parseGateConfig } from '../lib/wiring/config.js';

const config = parseGateConfig(process.env);
const logger = new Logger({ serviceName: 'release-gate-evaluator' });
const { engine } = buildGateDeps(config, logger);

export const handler = async (): Promise<{ due: number; failed: number }> => {
  const result = await tickDue(engine);
  const failed = result.outcomes.filter((outcome) => outcome.status === 'failed').length;
  logger.info('evaluated due releases', { due: result.due, failed, statuses: result.outcomes.map((outcome) => outcome.status) });
  // A failed release is logged and retried next tick; failing the invocation would retry them all.
  return { due: result.due, failed };
};
