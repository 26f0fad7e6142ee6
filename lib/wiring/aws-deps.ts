import { SNSClient } from '@aws-sdk/client-sns';
import { randomUUID } from 'node:crypto';
import { CloudWatchMetricsSource } from '../aws/cloudwatch-metrics-source.js';
import { DynamoFlagStore } from '../aws/dynamo-flag-store.js';
import { DynamoIdempotencyStore } from '../aws/dynamo-idempotency-store.js';
import { DynamoReleaseStore } from '../aws/dynamo-release-store.js';
import { DynamoTokenStore } from '../aws/dynamo-token-store.js';
import { LambdaAliasRouter } from '../aws/lambda-alias-router.js';
import { LambdaInvoker } from '../aws/lambda-invoker.js';
import { SnsNotifier } from '../aws/sns-notifier.js';
import { DEFAULT_ENGINE_CONFIG, type EngineDeps, type EngineLogger } from '../engine/deps.js';
import { FlagService } from '../flags/flag-service.js';
import { FanOutNotifier } from '../notify/fan-out-notifier.js';
import type { Clock, Notice, Notifier } from '../ports.js';
import { createAwsClients, sdkClientConfig } from './aws-clients.js';
import type { GateConfig } from './config.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Release ids sort by creation time and carry no guessable sequence. */
export const newReleaseId = () => `rel_${Date.now().toString(36)}${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** Every notice lands in the logs; SNS too where a topic is configured. */
function notifierFor(config: GateConfig, logger: EngineLogger): Notifier {
  const logNotifier: Notifier = {
    notify: async (notice: Notice) => {
      // Not `message`: Powertools reserves that key for the log line itself.
      logger.info('notice', { kind: notice.kind, releaseId: notice.release.id, notice: notice.message });
      await Promise.resolve();
    },
  };
  const notifiers: Notifier[] = [logNotifier];
  if (config.NOTIFY_TOPIC_ARN) notifiers.push(new SnsNotifier({ client: new SNSClient(sdkClientConfig(config.AWS_REGION)), topicArn: config.NOTIFY_TOPIC_ARN }));
  return new FanOutNotifier({ notifiers, onError: (error, notice) => logger.warn('notification failed', { kind: notice.kind, releaseId: notice.release.id, error: String(error) }) });
}

export interface GateDeps {
  readonly engine: EngineDeps;
  readonly tokens: DynamoTokenStore;
  readonly idempotency: DynamoIdempotencyStore;
  readonly flagService: FlagService;
}

/**
 * Builds every adapter from the configuration. The SDK clients are created here, once per cold
 * start with the one retry configuration (aws-clients.ts), and handed to the adapters; the local
 * world calls this too, with endpoints and dummy credentials, so it runs exactly the production code.
 */
export function buildGateDeps(config: GateConfig, logger: EngineLogger, options: { credentials?: { accessKeyId: string; secretAccessKey: string }; clock?: Clock } = {}): GateDeps {
  const { doc, lambda, cloudwatch } = createAwsClients(config, options.credentials);
  const clock = options.clock ?? systemClock;
  const flagService = new FlagService(new DynamoFlagStore(doc, config.FLAGS_TABLE), clock);
  return {
    engine: {
      store: new DynamoReleaseStore(doc, config.RELEASES_TABLE),
      router: new LambdaAliasRouter({ client: lambda }),
      // Hooks and probes; IAM lets the evaluator invoke only the managed and hook functions (cdk/gate-function.ts).
      invoker: new LambdaInvoker({ client: lambda }),
      metrics: new CloudWatchMetricsSource({ client: cloudwatch, periodSeconds: config.METRIC_PERIOD_SECONDS, settleSeconds: config.METRIC_SETTLE_SECONDS }),
      notifier: notifierFor(config, logger),
      flags: flagService,
      clock,
      logger,
      newId: newReleaseId,
      config: { ...DEFAULT_ENGINE_CONFIG, evaluationIntervalMs: config.EVALUATION_INTERVAL_SECONDS * 1000 },
    },
    tokens: new DynamoTokenStore(doc, config.TOKENS_TABLE),
    idempotency: new DynamoIdempotencyStore(doc, config.IDEMPOTENCY_TABLE, clock),
    flagService,
  };
}
