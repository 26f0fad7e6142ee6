import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/release-gate.js';
import { MINUTE } from '../support/fakes.js';
import { emptyDir, runCli, servedWorld, writeJson, type ServedWorld } from './support.js';

let served: ServedWorld;
beforeEach(async () => {
  served = await servedWorld();
  // An hour of traffic on version 1 for the pre-flight to read.
  served.world.engine.clock.advance(62 * MINUTE);
});
afterEach(() => served.close());

const cli = (argv: string[]) => runCli([...argv, ...served.args]);
const start = ['start', '--function', 'checkout', '--version', '2'];
const lowTraffic = () => served.world.aws.behaviour.set('1', { requestsPerMinute: 20, errorRate: 0.005, p99: 300 });
const stored = async () => (await served.world.engine.store.list({ limit: 10 })).items;

describe('start --dry-run', () => {
  it('prints the forecast of each step, the evidence, the mode and the warnings, and starts nothing', async () => {
    served.world.aws.behaviour.set('1', { requestsPerMinute: 200, errorRate: 0.01, p99: 300 });
    const result = await cli([...start, '--dry-run']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.fetch.mock.calls[0]![1].body as string)).toMatchObject({ function: 'checkout', version: '2', dryRun: true });
    expect(result.stdout).toMatch(/^dry run of checkout:live → 2 .*nothing started$/m);
    expect(result.stdout).toMatch(/^pre-flight: 200 requests\/min at 1% errors; expected .* to 100%.*: judged on its traffic$/m);
    expect(result.stdout).toMatch(/^\| step \| weight \| new version req\/min \| expected +\| slow case \|$/m);
    // The first step raised from 1% to 3%: 6 of 200 requests a minute.
    expect(result.stdout).toMatch(/^\| 1 +\| 3% +\| 6 +\| 5m +\| 5m +\|$/m);
    expect(result.stdout).toMatch(/^\| 3 +\| 50% +\| 100 +\| \S+ \(until the evidence is in\) +\| \S+ +\|$/m);
    expect(result.stdout).toMatch(/^mode +judged$/m);
    expect(result.stdout).toMatch(/^requests to rule out +[\d,]+ on the new version$/m);
    expect(result.stdout).toMatch(/^smallest detectable +[\d.]+× the stable error rate$/m);
    expect(result.stdout).toMatch(/^least possible +\d+m \(any gate with this α and β, at this traffic: Wald's bound\)$/m);
    expect(result.stdout).toMatch(/^warning first_step_raised: first step raised from 1% to 3%/m);
    expect(await stored()).toEqual([]);
  });

  it('a plan its traffic cannot judge: the reason on stderr, exit 4, as the start would', async () => {
    lowTraffic();
    const result = await cli([...start, '--dry-run']);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stdout).toMatch(/^mode +refused$/m);
    // Its last step cannot bring the evidence within its maximum time, even on average.
    expect(result.stdout).toMatch(/^\| 3 +\| 50% +\| 10 +\| not in time +\| not in time +\|$/m);
    expect(result.stdout).toMatch(/^warning too_few_requests: /m);
    expect(result.stderr).toMatch(/^release-gate: the gate would refuse this release: at 20 requests a minute the plan cannot rule out/m);
    expect(await stored()).toEqual([]);
  });

  it('prints the API answer with --json', async () => {
    const result = await cli([...start, '--dry-run', '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, plan: { steps: expect.any(Array) }, preflight: { mode: 'judged', traffic: { requestsPerMinute: 1000 } } });
  });

  it('refuses --wait and --idempotency-key, which mean nothing without a release, before calling the API', async () => {
    for (const extra of [['--wait'], ['--idempotency-key', 'k']]) {
      const result = await cli([...start, '--dry-run', ...extra]);
      expect(result.code).toBe(EXIT.usage);
      expect(result.stderr).toContain('--dry-run');
      expect(result.fetch).not.toHaveBeenCalled();
    }
  });
});

describe('start and status show the pre-flight', () => {
  it('a refused start prints the forecast, then the refusal with what to do, and exits 4', async () => {
    lowTraffic();
    const result = await cli(start);
    expect(result.code).toBe(EXIT.apiError);
    expect(result.stdout).toMatch(/^pre-flight: 20 requests\/min .*refused: traffic too low to judge$/m);
    expect(result.stderr).toMatch(/^release-gate: 422 plan_infeasible: refused to release checkout:live: at 20 requests a minute/m);
    expect(result.stderr).toMatch(/^ {2}plan: too_few_requests: /m);
    expect(result.stderr).toMatch(/^ {2}hint: see the forecast with `release-gate start --dry-run`/m);
  });

  it('keeps the forecast in --json errors', async () => {
    lowTraffic();
    const result = await cli([...start, '--json']);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'plan_infeasible', status: 422, preflight: { mode: 'refused' } } });
  });

  it('status shows the summary line of a judged release', async () => {
    const started = await cli([...start, '--json']);
    const id = JSON.parse(started.stdout).id as string;
    const result = await cli(['status', id]);
    expect(result.stdout).toMatch(/^pre-flight +1,000 requests\/min at 0\.5% errors; .*: judged on its traffic$/m);
    expect(result.stdout).not.toContain('unjudged');
  });

  it('labels a release on time alone unjudged, in its details and in the list', async () => {
    lowTraffic();
    const dir = emptyDir();
    const policy = writeJson(dir, 'policy.json', { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence: { onInfeasible: 'time' } });
    const started = await cli([...start, '--policy', policy]);
    expect(started.code).toBe(EXIT.ok);
    expect(started.stdout).toMatch(/^started rel-\d+: .*, pending, unjudged \(on time alone\)$/m);
    const id = /started (rel-\d+)/.exec(started.stdout)![1]!;
    const details = await cli(['status', id]);
    expect(details.stdout).toMatch(/^release +.*, unjudged \(on time alone\)$/m);
    expect(details.stdout).toMatch(/^judged +unjudged \(on time alone\): /m);
    expect(details.stdout).toMatch(/^pre-flight +.*runs on time alone, unjudged$/m);
    const list = await cli(['status']);
    expect(list.stdout).toMatch(new RegExp(`^\\| ${id} .*\\| pending, unjudged \\|`, 'm'));
    served.world.engine.clock.advance(MINUTE);
    const report = await cli(['report']);
    expect(report.stdout).toMatch(/^\| releases +\| 1 \(0 finished: 0 succeeded, 0 rolled back, 0 aborted; 1 unjudged, on time alone\) +\|$/m);
  });
});
