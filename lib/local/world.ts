/**
 * The embedded default: DynamoDB Local, the sandbox Lambda/CloudWatch endpoint, the gate API and
 * dashboard, the evaluator on an interval and a traffic generator, in one process tree. The gate
 * runs the production adapters; only endpoints and dummy credentials differ.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { DEFAULT_API_SETTINGS, type ApiDeps } from '../api/deps.js';
import { bootstrapToken } from '../api/auth.js';
import { mintToken } from '../api/tokens.js';
import { createTables } from '../aws/create-tables.js';
import { TABLE_NAMES, type TableName } from '../aws/table-schemas.js';
import type { EngineLogger } from '../engine/deps.js';
import { tickDue } from '../engine/tick-due.js';
import { loadFlagFiles } from '../flags/load-flag-files.js';
import { localDynamoClient, startDynamoDbLocal } from '../sandbox/dynamodb-local.js';
import { loadSandboxConfig } from '../sandbox/config.js';
import { startSandbox } from '../sandbox/sandbox-server.js';
import type { SandboxStateReport } from '../sandbox/state-dir.js';
import { lambdaInvoke, startTraffic, type Traffic } from '../sandbox/traffic-generator.js';
import { buildGateDeps, type GateDeps } from '../wiring/aws-deps.js';
import type { GateConfig } from '../wiring/config.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WORLD_FILE = resolve(REPO_ROOT, '.release-gate/local-world.json');
const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalWorldOptions {
  /** The gate API and dashboard. 0 picks a free port. @default 8787 */
  readonly port?: number | undefined;
  /**
   * Keep the world in this folder across restarts: DynamoDB's data, and the sandbox's aliases and
   * metrics (`sandbox.json`, `sandbox-metrics.jsonl`). In memory when absent.
   */
  readonly persistDir?: string | undefined;
  /** @default sandbox.config.json at the repository root */
  readonly sandboxConfigPath?: string | undefined;
  /** Overrides the sandbox config's metric period; the evaluator ticks at the same pace. */
  readonly metricPeriodSeconds?: number | undefined;
  /** Requests per second to each alias in the sandbox config; 0 for none. @default 20 */
  readonly trafficPerSecond?: number | undefined;
  /** @default RELEASE_GATE_ADMIN_TOKEN, or a new token */
  readonly adminToken?: string | undefined;
  /** Where the admin token is written for the CLI and the demo. @default .release-gate/local-token */
  readonly tokenFile?: string | null | undefined;
  /**
   * Where the world's endpoints are written for `npm run demo`; removed on stop.
   * @default .release-gate/local-world.json, or none when `tokenFile` is null (a world the local tools do not use)
   */
  readonly worldFile?: string | null | undefined;
  readonly logger?: EngineLogger | undefined;
  /** Extra routes on the gate app, such as the dashboard. */
  readonly extensions?: ApiDeps['extensions'];
  readonly publicPaths?: readonly string[] | undefined;
}

export interface LocalWorld {
  readonly url: string;
  readonly adminToken: string;
  readonly dynamoEndpoint: string;
  readonly sandboxEndpoint: string;
  /** What `persistDir` brought back of the sandbox; absent without one. */
  readonly restored: SandboxStateReport | undefined;
  readonly deps: GateDeps;
  readonly traffic: Traffic | undefined;
  /** Runs one evaluator tick now (the interval keeps running too). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

export async function startLocalWorld(options: LocalWorldOptions = {}): Promise<LocalWorld> {
  const logger = options.logger ?? quietLogger;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => logger.warn('shutdown step failed', { error: String(error) }));
  };
  try {
    const dynamo = await startDynamoDbLocal({ persistDir: options.persistDir });
    stops.push(() => dynamo.stop());
    const tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, `release-gate-${name}`])) as Record<TableName, string>;
    const tableClient = localDynamoClient(dynamo.endpoint);
    await createTables(tableClient, tables);
    tableClient.destroy();

    const sandboxConfig = await loadSandboxConfig(options.sandboxConfigPath ?? resolve(REPO_ROOT, 'sandbox.config.json'));
    const periodSeconds = options.metricPeriodSeconds ?? sandboxConfig.metricPeriodSeconds;
    const sandbox = await startSandbox({
      config: { ...sandboxConfig, metricPeriodSeconds: periodSeconds },
      stateDir: options.persistDir === undefined ? undefined : resolve(options.persistDir),
      onStateError: (error) => logger.error('sandbox state not saved', { error: String(error) }),
    });
    stops.push(() => sandbox.stop());

    const config: GateConfig = {
      AWS_REGION: sandboxConfig.region,
      RELEASES_TABLE: tables.releases,
      IDEMPOTENCY_TABLE: tables.idempotency,
      TOKENS_TABLE: tables.tokens,
      FLAGS_TABLE: tables.flags,
      EVALUATION_INTERVAL_SECONDS: periodSeconds,
      METRIC_PERIOD_SECONDS: periodSeconds,
      // The sandbox records a period as soon as it ends, so one period of settling is plenty.
      METRIC_SETTLE_SECONDS: periodSeconds,
      LAMBDA_ENDPOINT: sandbox.endpoint,
      CLOUDWATCH_ENDPOINT: sandbox.endpoint,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
    };
    const deps = buildGateDeps(config, logger, { credentials: DUMMY_CREDENTIALS });
    const flags = await loadFlagFiles(deps.flagService);
    logger.info('flag files', flags.loaded ? { loaded: flags.flags } : { skipped: flags.reason });

    const adminToken = options.adminToken ?? (process.env.RELEASE_GATE_ADMIN_TOKEN || mintToken().token);
    const tokenFile = options.tokenFile === undefined ? resolve(REPO_ROOT, '.release-gate/local-token') : options.tokenFile;
    if (tokenFile !== null) {
      await mkdir(dirname(tokenFile), { recursive: true });
      await writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });
    }

    const app = createApp({
      ...deps,
      ...DEFAULT_API_SETTINGS,
      bootstrapAdmin: bootstrapToken(adminToken),
      extensions: options.extensions,
      publicPaths: options.publicPaths,
    });
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    const port = await listen(server, options.port ?? 8787);
    stops.push(
      () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        }),
    );

    // One tick at a time: a slow tick delays the next instead of overlapping it.
    let ticking: Promise<void> | undefined;
    const tick = async () => {
      if (ticking) return ticking;
      ticking = tickDue(deps.engine)
        .then(() => undefined)
        .catch((error: unknown) => logger.error('evaluator tick failed', { error: String(error) }))
        .finally(() => {
          ticking = undefined;
        });
      return ticking;
    };
    const interval = setInterval(() => void tick(), periodSeconds * 1000);
    stops.push(async () => {
      clearInterval(interval);
      await ticking;
    });

    let traffic: Traffic | undefined;
    const rate = options.trafficPerSecond ?? 20;
    if (rate > 0) {
      // One attempt: the SDK's retries would turn one throttle into three.
      const invoker = new LambdaClient({ region: config.AWS_REGION, endpoint: sandbox.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
      const targets = Object.entries(sandboxConfig.functions).flatMap(([functionName, fn]) =>
        Object.keys(fn.aliases).map((qualifier) => ({ functionName, qualifier, ratePerSecond: rate })),
      );
      traffic = startTraffic({ invoke: lambdaInvoke(invoker), targets });
      stops.push(async () => {
        await traffic?.stop();
        invoker.destroy();
      });
    }

    const url = `http://127.0.0.1:${port}`;
    const worldFile = options.worldFile === undefined ? (tokenFile === null ? null : WORLD_FILE) : options.worldFile;
    if (worldFile !== null) {
      const described: WorldFile = { url, sandboxEndpoint: sandbox.endpoint, dynamoEndpoint: dynamo.endpoint };
      await mkdir(dirname(worldFile), { recursive: true });
      await writeFile(worldFile, `${JSON.stringify(described, null, 2)}\n`);
      stops.push(async () => {
        // Another world may have started since and written its own.
        const now = await readWorldFile(worldFile);
        if (now?.url === url) await rm(worldFile, { force: true });
      });
    }

    return {
      url,
      adminToken,
      dynamoEndpoint: dynamo.endpoint,
      sandboxEndpoint: sandbox.endpoint,
      restored: sandbox.state,
      deps,
      traffic,
      tick,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What `.release-gate/local-world.json` says about a running world. */
export interface WorldFile {
  readonly url: string;
  readonly sandboxEndpoint: string;
  readonly dynamoEndpoint: string;
}

/** The world file, or undefined when there is none or it is not one. */
export async function readWorldFile(file = WORLD_FILE): Promise<WorldFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<WorldFile>;
    return typeof parsed.url === 'string' && typeof parsed.sandboxEndpoint === 'string' && typeof parsed.dynamoEndpoint === 'string'
      ? { url: parsed.url, sandboxEndpoint: parsed.sandboxEndpoint, dynamoEndpoint: parsed.dynamoEndpoint }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Logs nothing; the CLI's start command prints what matters. */
export const quietLogger: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
