import { setTimeout as delay } from 'node:timers/promises';

export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** Everything the CLI touches outside itself, so tests run it in-process. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: typeof fetch;
  /** @default Date.now */
  readonly now?: (() => number) | undefined;
  /** @default a real timer */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Jitter for retry waits, in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Where relative paths and `.release-gate/local-token` are looked up. @default process.cwd() */
  readonly cwd?: string | undefined;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms) => delay(ms),
    random: Math.random,
    cwd: process.cwd(),
  };
}
