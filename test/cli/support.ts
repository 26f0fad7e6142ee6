import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { vi } from 'vitest';
import { tickDue } from '../../lib/engine/tick-due.js';
import { main, type CliIo } from '../../lib/cli/release-gate.js';
import { ADMIN, apiWorld, type ApiWorld } from '../support/api.js';
import { MINUTE } from '../support/fakes.js';

export { ADMIN };

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Captured {
  readonly chunks: string[];
  readonly isTTY: boolean;
  write(chunk: string): boolean;
}

const capture = (isTTY = false): Captured => {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (chunk: string) => chunks.push(chunk) > 0 };
};

export type CliOptions = Partial<Omit<CliIo, 'stdout' | 'stderr'>> & { tty?: boolean };

/** Runs the CLI in-process with captured output; `fetch` is a spy over the real one unless given. */
export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliResult & { fetch: ReturnType<typeof vi.fn> }> {
  const stdout = capture(options.tty);
  const stderr = capture();
  const fetch = vi.fn(options.fetch ?? globalThis.fetch);
  const code = await main(argv, {
    env: {},
    cwd: emptyDir(),
    sleep: () => Promise.resolve(),
    random: () => 0.5,
    ...options,
    fetch,
    stdout,
    stderr,
  });
  return { code, stdout: stdout.chunks.join(''), stderr: stderr.chunks.join(''), fetch };
}

export function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), 'release-gate-cli-'));
}

/** A temporary folder with `.release-gate/local-token`, as `npm start` leaves it. */
export function dirWithTokenFile(token: string): string {
  const dir = emptyDir();
  mkdirSync(join(dir, '.release-gate'));
  writeFileSync(join(dir, '.release-gate', 'local-token'), `${token}\n`);
  return dir;
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

export interface ServedWorld {
  readonly world: ApiWorld;
  readonly url: string;
  /** `--url` and `--token` for the admin. */
  readonly args: string[];
  close(): Promise<void>;
}

/**
 * The real API (DynamoDB Local, mocked Lambda and CloudWatch, a fake clock) on a loopback port.
 * One long-poll sleep covers a whole wait, so an unchanged poll costs one read, not twenty.
 */
export async function servedWorld(): Promise<ServedWorld> {
  const world = await apiWorld({}, { gatePollMs: 25_000 });
  const server = createAdaptorServer({ fetch: world.app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    world,
    url,
    args: ['--url', url, '--token', ADMIN],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The CLI's pause between unchanged polls, made to move the world: a minute passes and the
 * evaluator ticks, so a whole release plays out while `wait` follows it. `during` runs first.
 */
export function evaluatorSleep(world: ApiWorld, during?: (minute: number) => Promise<void> | void) {
  let minute = 0;
  return async () => {
    minute += 1;
    await during?.(minute);
    world.engine.clock.advance(MINUTE);
    await tickDue(world.engine);
  };
}

/** A short plan, so a healthy release succeeds within a few evaluator ticks. */
export const QUICK_PLAN = { steps: [{ type: 'traffic', weight: 50, minBake: '2m' }], verification: '2m' };
