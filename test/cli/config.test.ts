import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/release-gate.js';
import { ADMIN, dirWithTokenFile, runCli, servedWorld, type ServedWorld } from './support.js';

// Well-formed tokens the API does not know: a call made with one of them answers 401.
const STALE = 'rg_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const OTHER = 'rg_1111111111111111_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const ELSEWHERE = 'https://gate.example.com';

let served: ServedWorld;
beforeAll(async () => {
  served = await servedWorld();
});
afterAll(() => served.close());

/** The URL and token of the one call a command made. */
function sent(result: Awaited<ReturnType<typeof runCli>>) {
  expect(result.fetch).toHaveBeenCalledTimes(1);
  const [url, init] = result.fetch.mock.calls[0]!;
  return { origin: new URL(String(url)).origin, token: (init.headers as Record<string, string>).Authorization };
}

describe('configuration: flags, then the environment, then the local world', () => {
  it('prefers --url and --token to the environment and the token file', async () => {
    const result = await runCli(['status', '--url', served.url, '--token', ADMIN], {
      env: { RELEASE_GATE_URL: ELSEWHERE, RELEASE_GATE_TOKEN: STALE },
      cwd: dirWithTokenFile(OTHER),
    });
    expect(result.code).toBe(EXIT.ok);
    expect(sent(result)).toEqual({ origin: served.url, token: `Bearer ${ADMIN}` });
  });

  it('prefers the environment to the token file', async () => {
    const result = await runCli(['status'], { env: { RELEASE_GATE_URL: served.url, RELEASE_GATE_TOKEN: ADMIN }, cwd: dirWithTokenFile(OTHER) });
    expect(result.code).toBe(EXIT.ok);
    expect(sent(result)).toEqual({ origin: served.url, token: `Bearer ${ADMIN}` });
  });

  it('reads .release-gate/local-token for a loopback URL when no token is given; empty variables count as unset', async () => {
    const result = await runCli(['status'], { env: { RELEASE_GATE_URL: served.url, RELEASE_GATE_TOKEN: '' }, cwd: dirWithTokenFile(ADMIN) });
    expect(result.code).toBe(EXIT.ok);
    expect(sent(result)).toEqual({ origin: served.url, token: `Bearer ${ADMIN}` });
  });

  it('falls back to http://127.0.0.1:8787, the local world', async () => {
    // Whatever listens on 8787 on this machine stays out of the test: the answer is canned.
    const canned = () => Promise.resolve(Response.json({ items: [] }));
    const result = await runCli(['status', '--json'], { env: {}, cwd: dirWithTokenFile(OTHER), fetch: canned });
    expect(result.code).toBe(EXIT.ok);
    expect(sent(result)).toEqual({ origin: 'http://127.0.0.1:8787', token: `Bearer ${OTHER}` });
    expect(JSON.parse(result.stdout)).toEqual({ items: [] });
  });

  it('names the source of a refused token', async () => {
    const result = await runCli(['status'], { env: { RELEASE_GATE_URL: served.url }, cwd: dirWithTokenFile(STALE) });
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stderr).toMatch(/^release-gate: 401 unauthorized: the token is not valid\n {2}hint: the token from \S+\.release-gate\/local-token was refused/);
  });

  it('keeps a base path in the URL, as behind an API Gateway stage', async () => {
    const canned = () => Promise.resolve(Response.json({ items: [] }));
    const result = await runCli(['status', '--url', 'https://gate.example.com/prod/', '--token', ADMIN], { fetch: canned });
    expect(String(result.fetch.mock.calls[0]![0])).toBe('https://gate.example.com/prod/releases');
  });
});
