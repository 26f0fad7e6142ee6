import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../lib/cli/client.js';
import { EXIT } from '../../lib/cli/release-gate.js';
import { emptyDir, runCli, writeJson } from './support.js';

const GATE = ['--url', 'https://gate.example.com', '--token', 'rg_0123456789abcdef_secret'];
const release = { id: 'rel-1', function: 'checkout', alias: 'live', version: '2', state: 'pending', weight: 0 };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const unavailable = (headers: Record<string, string> = { 'Retry-After': '5' }) =>
  json(503, { error: { code: 'dependency_unavailable', message: 'Amazon DynamoDB is unavailable right now (Query); try again in 5 s', issues: [] } }, headers);

/** A gate that gives these answers in turn, and records what it was sent. */
function scripted(...answers: (() => Response | Promise<Response>)[]) {
  const requests: { method: string; url: string; headers: Record<string, string> }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ method: init?.method ?? 'GET', url: input instanceof Request ? input.url : input.toString(), headers: { ...(init?.headers as Record<string, string>) } });
    const answer = answers[Math.min(requests.length, answers.length) - 1]!;
    return answer();
  };
  return { fetch, requests };
}

function recordingSleep() {
  const sleeps: number[] = [];
  return { sleeps, sleep: (ms: number) => Promise.resolve(void sleeps.push(ms)) };
}

describe('the CLI retries a gate that is briefly unavailable', () => {
  it('a GET answered 503 twice, then 200, succeeds after waiting what Retry-After asked', async () => {
    const gate = scripted(unavailable, unavailable, () => json(200, release));
    const { sleeps, sleep } = recordingSleep();
    const result = await runCli(['status', 'rel-1', '--json', ...GATE], { fetch: gate.fetch, sleep });
    expect(result.code).toBe(EXIT.ok);
    expect(gate.requests).toHaveLength(3);
    // Retry-After: 5 is longer than the first backoffs (0.75 s and 1.5 s with random 0.5).
    expect(sleeps).toEqual([5_000, 5_000]);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'rel-1' });
  });

  it('tells people why it waits', async () => {
    const gate = scripted(unavailable, () => json(200, { ...release, state: 'paused' }));
    const result = await runCli(['pause', 'rel-1', ...GATE], { fetch: gate.fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('the gate answered 503 dependency_unavailable: Amazon DynamoDB is unavailable right now (Query); try again in 5 s; trying again in 5s (retry 1)\n');
    expect(result.stdout).toBe('paused rel-1: now paused at 0%\n');
  });

  it('start sends an Idempotency-Key of its own and the same one on every attempt, so a retried start is one release', async () => {
    const gate = scripted(unavailable, unavailable, () => json(201, release));
    const result = await runCli(['start', '--function', 'checkout', '--version', '2', '--json', ...GATE], { fetch: gate.fetch });
    expect(result.code).toBe(EXIT.ok);
    const keys = gate.requests.map((request) => request.headers['Idempotency-Key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(gate.requests.every((request) => request.method === 'POST')).toBe(true);
  });

  it('a new key for each start, and the one given with --idempotency-key when there is one', async () => {
    const first = scripted(() => json(201, release));
    const second = scripted(() => json(201, release));
    const given = scripted(() => json(201, release));
    await runCli(['start', '--function', 'checkout', '--version', '2', '--json', ...GATE], { fetch: first.fetch });
    await runCli(['start', '--function', 'checkout', '--version', '2', '--json', ...GATE], { fetch: second.fetch });
    await runCli(['start', '--function', 'checkout', '--version', '2', '--idempotency-key', 'run-42', '--json', ...GATE], { fetch: given.fetch });
    expect(first.requests[0]?.headers['Idempotency-Key']).not.toBe(second.requests[0]?.headers['Idempotency-Key']);
    expect(given.requests[0]?.headers['Idempotency-Key']).toBe('run-42');
  });

  it('an action waits out a first attempt still in progress (409 idempotency_in_progress) and gets its answer', async () => {
    const inProgress = () => json(409, { error: { code: 'idempotency_in_progress', message: "a request with Idempotency-Key 'k' is still in progress", issues: [] } });
    const gate = scripted(inProgress, () => json(200, { ...release, state: 'paused' }));
    const result = await runCli(['pause', 'rel-1', '--json', ...GATE], { fetch: gate.fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(gate.requests).toHaveLength(2);
    expect(gate.requests[0]?.headers['Idempotency-Key']).toBe(gate.requests[1]?.headers['Idempotency-Key']);
  });

  it.each([
    ['429', () => json(429, { error: { code: 'too_many_requests', message: 'slow down', issues: [] } })],
    ['502 from a proxy', () => new Response('<html>502 Bad Gateway</html>', { status: 502 })],
    ['no answer', () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }) }))],
  ])('retries %s', async (_name, failure) => {
    const gate = scripted(failure, () => json(200, release));
    const result = await runCli(['status', 'rel-1', '--json', ...GATE], { fetch: gate.fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(gate.requests).toHaveLength(2);
  });

  it('waits grow, with jitter, between the backoff bounds', async () => {
    for (const random of [0, 0.999]) {
      const gate = scripted(() => unavailable({}), () => unavailable({}), () => unavailable({}), () => json(200, release));
      const { sleeps, sleep } = recordingSleep();
      await runCli(['status', 'rel-1', '--json', ...GATE], { fetch: gate.fetch, sleep, random: () => random });
      sleeps.forEach((ms, index) => {
        const ceiling = DEFAULT_RETRY.baseDelayMs * 2 ** index;
        expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
        expect(ms).toBeLessThan(ceiling);
      });
      expect(sleeps).toHaveLength(3);
    }
  });

  it('honours a Retry-After given as a date', async () => {
    const now = Date.parse('2030-01-07T10:00:00Z');
    const gate = scripted(() => unavailable({ 'Retry-After': 'Mon, 07 Jan 2030 10:00:20 GMT' }), () => json(200, release));
    const { sleeps, sleep } = recordingSleep();
    await runCli(['status', 'rel-1', '--json', ...GATE], { fetch: gate.fetch, sleep, now: () => now });
    expect(sleeps).toEqual([20_000]);
  });
});

describe('the CLI gives up', () => {
  it('on a gate that keeps answering 503: a clear message and exit 4, after at most a minute of waiting', async () => {
    const gate = scripted(unavailable);
    const { sleeps, sleep } = recordingSleep();
    const result = await runCli(['status', 'rel-1', ...GATE], { fetch: gate.fetch, sleep });
    expect(result.code).toBe(EXIT.apiError);
    // Retry-After 5 s while it is longer than the backoff (0.75, 1.5, 3, 6, then 11.25 s with random 0.5):
    // 54.75 s of waits, and an eighth wait would pass the minute.
    expect(sleeps).toEqual([5_000, 5_000, 5_000, 6_000, 11_250, 11_250, 11_250]);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(DEFAULT_RETRY.budgetMs);
    expect(gate.requests).toHaveLength(8);
    expect(result.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'release-gate: 503 dependency_unavailable: Amazon DynamoDB is unavailable right now (Query); try again in 5 s',
      '  gave up after 8 attempts over 55s; try again later',
    ]);
  });

  it('at once when Retry-After asks for longer than the retry budget', async () => {
    const gate = scripted(() => unavailable({ 'Retry-After': String(DEFAULT_RETRY.budgetMs / 1000 + 1) }));
    const result = await runCli(['status', 'rel-1', '--json', ...GATE], { fetch: gate.fetch });
    expect(result.code).toBe(EXIT.apiError);
    expect(gate.requests).toHaveLength(1);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'dependency_unavailable', status: 503 } });
  });

  it('at once on an answer that another try would not change', async () => {
    const gate = scripted(() => json(404, { error: { code: 'not_found', message: 'release rel-1 not found', issues: [] } }));
    const result = await runCli(['status', 'rel-1', ...GATE], { fetch: gate.fetch });
    expect(result.code).toBe(EXIT.apiError);
    expect(gate.requests).toHaveLength(1);
  });

  it('at once for a PUT, which carries no Idempotency-Key: it might have landed', async () => {
    const gate = scripted(unavailable);
    const dir = emptyDir();
    writeJson(dir, 'flag.json', { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' });
    const result = await runCli(['flags', 'set', 'new-checkout', '--file', 'flag.json', '--reason', 'launch', ...GATE], { fetch: gate.fetch, cwd: dir });
    expect(result.code).toBe(EXIT.apiError);
    expect(gate.requests.map((request) => request.method)).toEqual(['PUT']);
  });
});
