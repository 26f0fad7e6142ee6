import { describe, expect, it } from 'vitest';
import { EXIT } from '../../lib/cli/release-gate.js';
import { COMMANDS } from '../../lib/cli/commands/index.js';
import { GLOBAL_OPTIONS } from '../../lib/cli/parse-command-line.js';
import { ADMIN, emptyDir, runCli, writeJson } from './support.js';

// A remote URL and a token: every check below must fail before anything is sent.
const config = ['--url', 'https://gate.example.com', '--token', ADMIN];

async function expectUsage(argv: string[], message: RegExp, help = /Run 'release-gate( \S+)* --help' for usage\./) {
  const cwd = emptyDir();
  writeJson(cwd, 'broken.json', 'x');
  const result = await runCli([...argv, ...config], { cwd });
  expect(result.code).toBe(EXIT.usage);
  expect(result.fetch).not.toHaveBeenCalled();
  const [first, hint, extra] = result.stderr.split('\n');
  expect(first).toMatch(/^release-gate: /);
  expect(first).toMatch(message);
  expect(hint).toMatch(help);
  expect(extra).toBe('');
  expect(result.stdout).toBe('');
}

describe('usage errors exit 2 with one line and a hint, and never call the API', () => {
  it.each([
    [['deploy'], /unknown command 'deploy'/],
    [[], /no command given/],
    [['flags'], /flags needs a subcommand: list, get, history, set, ramp, kill, restore/],
    [['flags', 'toggle', 'x'], /unknown command 'flags toggle'/],
    [['status', '--bogus'], /unknown option --bogus for status/],
    [['start', '--function', 'checkout', '--version', '2', '--cohort', 'beta'], /unknown option --cohort for start/],
    [['wait', 'rel-1', '--timeout'], /--timeout needs a value/],
    [['start', '--version', '2'], /--function is required/],
    [['wait'], /wait needs <release-id>/],
    [['status', 'rel-1', 'rel-2'], /unexpected argument 'rel-2' for status/],
    [['status', 'rel-1', '--function', 'checkout'], /--function lists releases; leave out the release id/],
    [['rollback', 'rel-1'], /rollback overrides the gate and needs --reason/],
    [['abort', 'rel-1', '--reason', '  '], /abort overrides the gate and needs --reason/],
    [['promote', 'rel-1'], /promote overrides the gate and needs --reason/],
    [['pause', '../tokens'], /<release-id> '\.\.\/tokens' is not valid/],
    [['flags', 'ramp', 'new-checkout', '--cohort', 'beta', '--percent', '120', '--reason', 'r'], /--percent expects a percent from 0 to 100, got '120'/],
    [['flags', 'ramp', 'new-checkout', '--cohort', 'beta', '--percent', 'half', '--reason', 'r'], /--percent expects a percent from 0 to 100, got 'half'/],
    [['flags', 'ramp', 'new-checkout', '--cohort', 'beta', '--percent', '25'], /flags ramp changes a flag and needs --reason/],
    [['flags', 'kill', 'new checkout', '--reason', 'r'], /<key> 'new checkout' is not a flag key/],
    [['flags', 'set', 'new-checkout', '--file', 'missing.json', '--reason', 'r'], /--file: cannot read missing\.json: ENOENT/],
    [['flags', 'set', 'new-checkout', '--file', 'broken.json', '--reason', 'r'], /--file: broken\.json holds no JSON object/],
    [['flags', 'restore', 'new-checkout', '--version', '0', '--reason', 'r'], /--version expects a whole number from 1/],
    [['wait', 'rel-1', '--timeout', 'soon'], /--timeout expects a duration such as 30m, 1h or 90s, got 'soon'/],
    [['wait', 'rel-1', '--timeout', '0s'], /--timeout expects a duration/],
    [['start', '--function', 'checkout', '--version', '2', '--timeout', '30m'], /--timeout applies only with --wait/],
    [['start', '--function', 'checkout', '--version', '2', '--risk', 'extreme'], /--risk expects one of low, normal, high, got 'extreme'/],
    [['start', '--function', 'checkout', '--version', '2', '--plan', 'Canary99'], /--plan expects a preset \(canary-1-10-50-100, .*\) or a JSON file; 'Canary99' is neither/],
    [['start', '--function', 'checkout', '--version', '2', '--policy', 'missing.json'], /--policy: cannot read missing\.json/],
    [['start', '--function', 'checkout', '--version', '2', '--commit-sha', 'abc1234'], /--commit-sha needs --commit-time/],
    [['start', '--function', 'checkout', '--version', '2', '--commit-sha', 'abc1234', '--commit-time', 'yesterday'], /--commit-time expects an ISO 8601 time/],
    [['report', '--since', 'last week'], /--since expects an ISO 8601 time .* or a duration back from now/],
    [['report', '--until', '2030-01-07'], /--until expects an ISO 8601 time with a zone/],
    [['status', '--limit', '500'], /--limit expects a whole number from 1 to 100/],
  ])('%j', async (argv, message) => {
    await expectUsage(argv, message);
  });

  it('points at the command help when the command is known', async () => {
    await expectUsage(['flags', 'ramp', 'k', '--cohort', 'beta', '--percent', '-5', '--reason', 'r'], /--percent needs a value/, /release-gate flags ramp --help/);
  });

  it('refuses a URL that is not http(s), from the flag or the environment', async () => {
    for (const io of [{ argv: ['status', '--url', 'ftp://gate'], env: {}, source: '--url' }, { argv: ['status'], env: { RELEASE_GATE_URL: 'gate.example.com' }, source: 'RELEASE_GATE_URL' }]) {
      const result = await runCli([...io.argv, '--token', ADMIN], { env: io.env });
      expect(result.code).toBe(EXIT.usage);
      expect(result.fetch).not.toHaveBeenCalled();
      expect(result.stderr).toMatch(new RegExp(`^release-gate: ${io.source} expects an http\\(s\\) URL`));
    }
  });

  it('refuses a remote URL without a token, whatever token file lies around', async () => {
    const result = await runCli(['status', '--url', 'https://gate.example.com'], { env: { RELEASE_GATE_TOKEN: ' ' } });
    expect(result.code).toBe(EXIT.usage);
    expect(result.fetch).not.toHaveBeenCalled();
    expect(result.stderr).toMatch(/^release-gate: no token for https:\/\/gate\.example\.com: pass --token or set RELEASE_GATE_TOKEN/);
  });

  it('refuses the local URL without a token file, pointing at npm start', async () => {
    const result = await runCli(['status'], { env: {} });
    expect(result.code).toBe(EXIT.usage);
    expect(result.fetch).not.toHaveBeenCalled();
    expect(result.stderr).toContain('no token for http://127.0.0.1:8787: pass --token or set RELEASE_GATE_TOKEN, or run npm start, which writes .release-gate/local-token');
  });

  it('reports usage errors as JSON on stderr with --json, and nothing on stdout', async () => {
    const result = await runCli(['--json', 'flags', 'ramp', 'k', '--cohort', 'beta', '--percent', '101', '--reason', 'r', ...config]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({
      error: { code: 'usage', message: "--percent expects a percent from 0 to 100, got '101'", issues: [{ path: '--percent', message: "--percent expects a percent from 0 to 100, got '101'" }] },
    });
  });
});

describe('help', () => {
  it('lists every command, the configuration fallbacks and the exit codes, and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command.name} `);
    expect(result.stdout).toContain('RELEASE_GATE_URL, else http://127.0.0.1:8787');
    expect(result.stdout).toContain('.release-gate/local-token');
    expect(result.stdout).toMatch(/^ {2}4 {2}the API refused/m);
    expect(result.fetch).not.toHaveBeenCalled();
  });

  it("shows a command's options, even next to values that would not parse", async () => {
    const result = await runCli(['flags', 'ramp', '--percent', 'lots', '--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^Usage: release-gate flags ramp <key> \[options\]/);
    expect(result.stdout).toMatch(/--percent 0-100 +the share of the cohort/);
    expect((await runCli(['flags', '-h'])).stdout).toMatch(/^Usage: release-gate flags <subcommand>/);
  });

  it('gives every option one type across commands, so the first pass finds command words', () => {
    const types = new Map<string, string>(Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => [name, spec.type]));
    for (const command of COMMANDS) {
      for (const [name, spec] of Object.entries(command.options)) {
        expect(types.get(name) ?? spec.type, `--${name} in ${command.name}`).toBe(spec.type);
        types.set(name, spec.type);
      }
    }
  });
});
