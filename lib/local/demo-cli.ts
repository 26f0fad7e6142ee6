/**
 * `npm run demo`: runs the demonstration against the local world at RELEASE_GATE_URL (default
 * http://127.0.0.1:8787), or starts one in this process when none is running. Exits 0 only if
 * the healthy version succeeded and the failing one was rolled back.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { demoErrorText, runDemo } from './demo.js';
import { readWorldFile, REPO_ROOT, startLocalWorld, WORLD_FILE, type LocalWorld } from './world.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
const TOKEN_FILE = resolve(REPO_ROOT, '.release-gate/local-token');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const shown = (file: string) => relative(process.cwd(), file) || file;

/** A failure the demo explains in its own words. */
class DemoError extends Error {
  override readonly name = 'DemoError';
}

async function running(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** `http://localhost:8787/` and `http://127.0.0.1:8787` are the same local world. */
function sameWorld(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const host = (url: URL) => (LOOPBACK.has(url.hostname) ? 'loopback' : url.hostname);
  return x.protocol === y.protocol && host(x) === host(y) && x.port === y.port;
}

interface Target {
  readonly url: string;
  readonly token: string;
  /** For the hint on a 401 or 403. */
  readonly tokenSource: string;
  readonly sandboxEndpoint: string;
}

/** The running world at `url`: its token and, from the world file, its sandbox. */
async function runningWorld(url: string): Promise<Target> {
  const described = await readWorldFile();
  if (described === undefined || !sameWorld(described.url, url)) {
    const found = described === undefined ? 'there is no such file' : `it describes the world at ${described.url}`;
    throw new DemoError(
      `a gate answers at ${url}, but the demo reads that world's sandbox from ${shown(WORLD_FILE)} and ${found}; start the world with npm start in this checkout, or set RELEASE_GATE_URL to the URL npm start printed`,
    );
  }
  const fromEnv = process.env.RELEASE_GATE_TOKEN?.trim();
  const token = fromEnv || (await readFile(TOKEN_FILE, 'utf8').catch(() => '')).trim();
  if (!token) throw new DemoError(`a gate answers at ${url}, but there is no token: set RELEASE_GATE_TOKEN, or start the world with npm start, which writes ${shown(TOKEN_FILE)}`);
  return { url, token, tokenSource: fromEnv ? 'RELEASE_GATE_TOKEN' : shown(TOKEN_FILE), sandboxEndpoint: described.sandboxEndpoint };
}

async function main(): Promise<number> {
  const url = (process.env.RELEASE_GATE_URL?.trim() || 'http://127.0.0.1:8787').replace(/\/+$/, '');
  let world: LocalWorld | undefined;
  let target: Target;
  if (await running(url)) {
    target = await runningWorld(url);
    log(`Using the local world at ${url}.`);
  } else {
    log(`Nothing answers at ${url}; starting a local world in this process…`);
    world = await startLocalWorld({ port: 0, tokenFile: null, worldFile: null, trafficPerSecond: 50 });
    target = { url: world.url, token: world.adminToken, tokenSource: 'the world started here', sandboxEndpoint: world.sandboxEndpoint };
  }
  try {
    const result = await runDemo({ ...target, log });
    return result.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(demoErrorText(error, target));
    return 1;
  } finally {
    await world?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(demoErrorText(error, {}));
    process.exit(1);
  },
);
