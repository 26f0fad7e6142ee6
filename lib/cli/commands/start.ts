import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_PRESET, isPresetName, PRESET_NAMES } from '../../core/presets.js';
import { RISKS } from '../../core/risk.js';
import type { DryRunView, ReleaseView } from '../api-types.js';
import { flagOf, stringOf, type Command, type ParsedArgs } from '../command.js';
import { ApiCallError, EXIT, UsageError } from '../errors.js';
import { followRelease } from '../follow-release.js';
import { preflightDetails, releaseHeadline } from '../release-text.js';
import { choiceValue, ifGiven, isoTimeValue, readJsonFile, requireValue } from '../values.js';
import { FOLLOW_OPTIONS, followOptions, rejectFollowOptionsWithoutWait } from './follow-options.js';

const NAME = 'start';

/** A preset's name, or a JSON file with a plan; the API validates the plan itself. */
function planValue(text: string, cwd: string): unknown {
  if (isPresetName(text)) return text;
  if (existsSync(resolve(cwd, text))) return readJsonFile(text, '--plan', cwd);
  throw new UsageError(`--plan expects a preset (${PRESET_NAMES.join(', ')}) or a JSON file; '${text}' is neither`, '--plan', NAME);
}

function commitValue(args: ParsedArgs): { sha: string; authoredAt: string } | undefined {
  const sha = stringOf(args, 'commit-sha');
  const time = stringOf(args, 'commit-time');
  if (sha === undefined && time === undefined) return undefined;
  if (sha === undefined) throw new UsageError('--commit-time needs --commit-sha', '--commit-sha', NAME);
  if (time === undefined) throw new UsageError('--commit-sha needs --commit-time, the commit\'s author time (git show -s --format=%aI)', '--commit-time', NAME);
  return { sha, authoredAt: isoTimeValue(time, '--commit-time') };
}

export const startCommand: Command = {
  name: NAME,
  summary: 'Start a gated release of a published Lambda version behind an alias',
  options: {
    function: { type: 'string', value: 'NAME', help: 'the Lambda function (required)' },
    version: { type: 'string', value: 'N', help: 'the published version to release (required)' },
    alias: { type: 'string', value: 'NAME', help: 'the alias whose traffic shifts (default: live)' },
    plan: { type: 'string', value: 'PRESET|FILE', help: `a preset or a JSON plan file (default: ${DEFAULT_PRESET})` },
    risk: { type: 'string', value: 'CLASS', help: `${RISKS.join(', ')} (default: normal); high adds an approval and a longer verification` },
    policy: { type: 'string', value: 'FILE', help: 'a JSON file with the SLI checks and limits (default: the built-in policy)' },
    'code-sha256': { type: 'string', value: 'SHA', help: "refuse the version unless Lambda reports this CodeSha256 (build once, promote the same artefact)" },
    'commit-sha': { type: 'string', value: 'SHA', help: 'the commit released, for lead time (with --commit-time)' },
    'commit-time': { type: 'string', value: 'ISO', help: "the commit's author time, e.g. 2030-01-07T10:00:00Z" },
    description: { type: 'string', value: 'TEXT', help: 'a note kept with the release' },
    'idempotency-key': { type: 'string', value: 'KEY', help: 'a start repeated with the same key gets the same release back (default: a new key, kept across this command\'s own retries)' },
    wait: { type: 'boolean', help: 'then follow the release like `release-gate wait`' },
    'dry-run': { type: 'boolean', help: 'check everything and print the pre-flight forecast; start nothing' },
    ...FOLLOW_OPTIONS,
  },
  details: `Presets: ${PRESET_NAMES.join(', ')}.
With --json, prints the release the API created; with --wait --json, {"release", "releaseId",
"timedOut", "gate"} once the wait ends. Exit codes with --wait are those of wait.
With --dry-run, prints the pre-flight (with --json, {"dryRun", "plan", "preflight"}) and exits 4,
as the start would, when its traffic cannot judge the plan and the policy refuses it.`,
  prepare(args, { cwd }) {
    const body = {
      function: requireValue(stringOf(args, 'function'), '--function'),
      version: requireValue(stringOf(args, 'version'), '--version'),
      alias: stringOf(args, 'alias'),
      plan: ifGiven(stringOf(args, 'plan'), (text) => planValue(text, cwd)),
      risk: ifGiven(stringOf(args, 'risk'), (text) => choiceValue(text, '--risk', RISKS)),
      policy: ifGiven(stringOf(args, 'policy'), (text) => readJsonFile(text, '--policy', cwd)),
      codeSha256: stringOf(args, 'code-sha256'),
      commit: commitValue(args),
      description: stringOf(args, 'description'),
    };
    const idempotencyKey = stringOf(args, 'idempotency-key');
    const dryRun = flagOf(args, 'dry-run');
    if (dryRun && flagOf(args, 'wait')) throw new UsageError('--dry-run starts nothing to wait for; leave out --wait', '--wait', NAME);
    if (dryRun && idempotencyKey !== undefined) throw new UsageError('--dry-run changes nothing, so it takes no --idempotency-key', '--idempotency-key', NAME);
    const follow = flagOf(args, 'wait') ? followOptions(args) : undefined;
    if (follow === undefined) rejectFollowOptionsWithoutWait(args, NAME);

    if (dryRun) {
      return async ({ client, out }) => {
        const { preflight, plan } = (await client.request<DryRunView>('POST', '/releases', { body: { ...body, dryRun: true } })).body;
        const steps = plan.steps.length;
        out.result({ dryRun: true, plan, preflight }, () => `dry run of ${body.function}:${body.alias ?? 'live'} → ${body.version} (${steps} plan steps); nothing started\n${preflightDetails(preflight)}`);
        if (preflight.mode !== 'refused') return EXIT.ok;
        out.note(`release-gate: the gate would refuse this release: ${preflight.warnings.find((warning) => warning.code === 'too_few_requests')?.message ?? 'its traffic cannot judge the plan in time'}`);
        return EXIT.apiError;
      };
    }

    return async (context) => {
      const { client, out } = context;
      const headers: Record<string, string> = idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey };
      const answer = await client.request<ReleaseView>('POST', '/releases', { body, headers }).catch((error: unknown) => {
        // A refusal by the pre-flight: the forecast says what would have to change; the error follows on stderr.
        const report = error instanceof ApiCallError && error.body.error.code === 'plan_infeasible' ? error.body.error.preflight : undefined;
        if (report !== undefined) out.line(preflightDetails(report));
        throw error;
      });
      const release = answer.body;
      // Without --idempotency-key, a replay can only be this command's own retry.
      if (idempotencyKey !== undefined && answer.headers.get('Idempotent-Replayed') === 'true') out.note(`(this idempotency key started ${release.id} before; this is that release)`);
      if (follow === undefined) {
        out.result(release, () => `started ${releaseHeadline(release)}${release.preflight ? `\n${preflightDetails(release.preflight)}` : ''}\nfollow it with: release-gate wait ${release.id}`);
        return EXIT.ok;
      }
      out.line(`started ${releaseHeadline(release)}`);
      const result = await followRelease(release.id, follow, context);
      out.document({ release, releaseId: release.id, timedOut: result.timedOut, gate: result.gate });
      return result.exitCode;
    };
  },
};
