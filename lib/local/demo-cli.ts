/**
 * `npm run demo`: runs the demonstration against the local world at RELEASE_GATE_URL (default
 * http://127.0.0.1:8787), or starts one in this process when none is running. Exits 0 only if
 * the healthy version succeeded and the failing one was rolled back.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runDemo } from './demo.js';
import { REPO_ROOT, startLocalWorld, type LocalWorld } from './world.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

async function running(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const url = process.env.RELEASE_GATE_URL ?? 'http://127.0.0.1:8787';
  let world: LocalWorld | undefined;
  let token = process.env.RELEASE_GATE_TOKEN;
  if (await running(url)) {
    token ??= (await readFile(resolve(REPO_ROOT, '.release-gate/local-token'), 'utf8').catch(() => '')).trim();
    if (!token) throw new Error(`a gate answers at ${url}, but there is no token: set RELEASE_GATE_TOKEN or run it with npm start`);
    log(`Using the local world at ${url}.`);
  } else {
    log(`Nothing answers at ${url}; starting a local world in this process…`);
    world = await startLocalWorld({ port: 0, tokenFile: null, trafficPerSecond: 50 });
    token = world.adminToken;
  }
  try {
    const result = await runDemo({ url: world?.url ?? url, token, log });
    return result.ok ? 0 : 1;
  } finally {
    await world?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
