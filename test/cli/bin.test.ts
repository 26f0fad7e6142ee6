import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** The package.json bin, as npm links it, run as its own process. */
async function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { bin: entries } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  try {
    const { stdout, stderr } = await run(process.execPath, [resolve(ROOT, entries['release-gate']!), ...args], { cwd: ROOT, env: { PATH: process.env.PATH }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

// Two processes at once: each pays tsx's start-up, so running them side by side halves the wait.
describe.concurrent('the release-gate bin', () => {
  it('prints the help and exits 0 without a build step', async () => {
    const result = await bin(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: release-gate <command> \[options\]/);
    expect(result.stdout).toContain('flags ramp');
  });

  it('sets the exit code of a usage error', async () => {
    const result = await bin(['rollback', 'rel-1', '--url', 'https://gate.example.com', '--token', 'rg_x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("release-gate: rollback overrides the gate and needs --reason\nRun 'release-gate rollback --help' for usage.\n");
  });
});
