/**
 * Synthetic evidence for functions whose real traffic is too low to judge: lifecycle hooks (a
 * test function invoked before the first shift and after promotion) and paired probes (the
 * same events sent to the new and the stable version). Pure: the engine invokes, this judges.
 */
import type { CheckResult, Decision, Judgement } from './decision.js';
import { percent, stat, weightText } from './format.js';
import type { Release } from './release.js';
import { HOOK_FUNCTION, PROBE_TICKS_KEPT, type HookPhase, type HookRun, type ProbeTick } from './synthetic-config.js';
import { ratioLogLikelihood, twoSampleMixture, type CountPair } from './analysis/sprt.js';


/** What a hook function is invoked with. */
export interface HookPayload {
  readonly releaseId: string;
  readonly functionName: string;
  readonly alias: string;
  readonly version: string;
  readonly stableVersion: string;
  readonly phase: HookPhase;
}

export function hookPayload(release: Pick<Release, 'id' | 'function' | 'alias' | 'version' | 'stableVersion'>, phase: HookPhase): HookPayload {
  return { releaseId: release.id, functionName: release.function, alias: release.alias, version: release.version, stableVersion: release.stableVersion, phase };
}

/**
 * A hook passes when it ran without a function error and its answer, if an object with a
 * `status`, says `pass`. No status is a pass: a hook that only throws on failure is enough.
 */
export function hookOutcome(payload: unknown, functionError: string | undefined): Pick<HookRun, 'outcome' | 'detail'> {
  if (functionError !== undefined) return { outcome: 'fail', detail: `${functionError}${errorMessageOf(payload)}` };
  if (payload === null || typeof payload !== 'object' || !('status' in payload)) return { outcome: 'pass' };
  const { status } = payload;
  if (status === 'pass') return { outcome: 'pass', detail: 'status pass' };
  return { outcome: 'fail', detail: `status ${JSON.stringify(status)?.slice(0, 200) ?? String(status)}` };
}

/** `: Card declined` from Lambda's error payload `{errorType, errorMessage}`, when there is one. */
function errorMessageOf(payload: unknown): string {
  if (payload === null || typeof payload !== 'object') return '';
  const message = (payload as { errorMessage?: unknown }).errorMessage;
  return typeof message === 'string' && message !== '' ? `: ${message.slice(0, 300)}` : '';
}

/** The release's run of a phase's hook: each hook runs once, and that run decides. */
export function hookRunOf(release: Pick<Release, 'hookRuns'>, phase: HookPhase): HookRun | undefined {
  return (release.hookRuns ?? []).find((run) => run.phase === phase);
}

/** Whether the release still owes a hook run for this phase. */
export function hookDue(release: Pick<Release, 'synthetic' | 'hookRuns'>, phase: HookPhase): boolean {
  const hooks = release.synthetic?.hooks;
  return hooks !== undefined && hooks[phase] && hookRunOf(release, phase) === undefined;
}

export function probePairs(ticks: readonly ProbeTick[]): CountPair[] {
  return ticks.map((tick) => ({ canaryTotal: tick.canaryTotal, canaryEvents: tick.canaryErrors, baselineTotal: tick.baselineTotal, baselineEvents: tick.baselineErrors }));
}

/**
 * Adds a tick, keeping at most PROBE_TICKS_KEPT: beyond that the oldest two merge. With equal
 * totals per tick (probes come in pairs) each tick's log-likelihood is linear in its counts, so
 * a merged tick weighs exactly as its parts did and the record stays small.
 */
export function appendProbeTick(ticks: readonly ProbeTick[], tick: ProbeTick): ProbeTick[] {
  const next = [...ticks, tick];
  if (next.length <= PROBE_TICKS_KEPT) return next;
  const [first, second, ...rest] = next as [ProbeTick, ProbeTick, ...ProbeTick[]];
  const merged: ProbeTick = {
    at: second.at,
    pairs: first.pairs + second.pairs,
    canaryTotal: first.canaryTotal + second.canaryTotal,
    canaryErrors: first.canaryErrors + second.canaryErrors,
    baselineTotal: first.baselineTotal + second.baselineTotal,
    baselineErrors: first.baselineErrors + second.baselineErrors,
  };
  return [merged, ...rest];
}

export interface ProbeTestSettings {
  /** The bound on failing a healthy version, however often the probes are looked at. */
  readonly alpha: number;
  /** The bound on ruling out `ratio` (or a failure rate above `floor`) for a version that really is that much worse; each route spends half. */
  readonly beta: number;
  /** The regression ruled out: 2 is "the new version fails twice as often". */
  readonly ratio: number;
  /** A probe failure rate below which the sample events show no regression worth holding for. */
  readonly floor: number;
}

/** Probes exercise only their sample events, so they rule out coarse regressions: failing 5% of them. */
export const DEFAULT_PROBE_FLOOR = 0.05;

export const DEFAULT_PROBE_BETA = 0.05;
export const DEFAULT_PROBE_RATIO = 2;

/**
 * The probes spend their own share of the policy's α, and a third of its β: they are a third
 * route to ruling the target out, beside the two on real traffic.
 */
export function probeSettings(release: Pick<Release, 'policy'>): ProbeTestSettings {
  const evidence = release.policy.evidence as Release['policy']['evidence'] | undefined;
  if (evidence === undefined) return { alpha: 0.001, beta: DEFAULT_PROBE_BETA / 3, ratio: DEFAULT_PROBE_RATIO, floor: DEFAULT_PROBE_FLOOR };
  return { alpha: evidence.probeAlpha, beta: evidence.beta / 3, ratio: evidence.ruleOut, floor: DEFAULT_PROBE_FLOOR };
}

/**
 * The new version's probes against "fails at least `floor` of them", as the traffic's floor route:
 * Λ of floor against a quarter of it, a supermartingale under any rate at or above the floor.
 */
function probeFloorLogLikelihood(total: number, errors: number, floor: number): number {
  const alternative = floor / 4;
  return errors * Math.log(floor / alternative) + (total - errors) * Math.log((1 - floor) / (1 - alternative));
}

/**
 * The probes rule out the target, the evidence a step may advance on: Λ(ratio) ≤ ln(β/2), or the
 * new version's probe failures shown below `floor` at β/2. Probes that never fail on either
 * version carry no evidence about a ratio, but do show the failure rate is low.
 */
export function probesRuleOut(ticks: readonly ProbeTick[], settings: Pick<ProbeTestSettings, 'ratio' | 'beta' | 'floor'>): boolean {
  const level = Math.log(settings.beta / 2);
  return ratioLogLikelihood(probePairs(ticks), settings.ratio, PROBES_WANDER) <= level || probeFloorLogLikelihood(sum(ticks, 'canaryTotal'), sum(ticks, 'canaryErrors'), settings.floor) <= level;
}

/** Probes send the same events to both versions at the same moment: there is no wander between them to allow for, and folding ticks leaves the evidence as it was. */
const PROBES_WANDER = false;

const sum = (ticks: readonly ProbeTick[], field: 'canaryTotal' | 'canaryErrors' | 'baselineTotal' | 'baselineErrors') => ticks.reduce((total, tick) => total + tick[field], 0);

/**
 * The paired probes judged with the two-sample mixture SPRT, as real traffic is: fail at
 * M ≥ 1/α; pass once a `ratio`× regression is ruled out; inconclusive in between.
 *
 * Pairs make θ(1) = ½ in every tick, so each error weighs the same. Ten pairs with all ten new
 * probes failing and no stable one: Λ(ρ) = 10·ln(2ρ/(ρ+1)), M ≈ 400 ≥ 100 (α 1%), a rollback on
 * the first tick. Equal versions: each error on both sides adds ln(4/3) + ln(2/3) = ln(8/9) ≈ −0.118
 * to Λ(2), so ruling out 2× (ln 0.05 ≈ −3.0) takes about 26 failed probes on each version, six
 * ticks of 100 pairs at a 5% probe error rate. No failures on either side carry no evidence at all.
 */
export function probeJudgement(ticks: readonly ProbeTick[], settings: ProbeTestSettings): CheckResult {
  const pairs = probePairs(ticks);
  const evidence = twoSampleMixture(pairs, undefined, undefined, PROBES_WANDER);
  const critical = 1 / settings.alpha;
  const canaryCounts = { events: sum(ticks, 'canaryErrors'), total: sum(ticks, 'canaryTotal') };
  const baselineCounts = { events: sum(ticks, 'baselineErrors'), total: sum(ticks, 'baselineTotal') };
  const rate = (counts: { events: number; total: number }) => (counts.total > 0 ? counts.events / counts.total : 0);
  const ruleOut = ratioLogLikelihood(pairs, settings.ratio, PROBES_WANDER);
  const detail =
    `error rate ${percent(rate(canaryCounts))} (${canaryCounts.events}/${canaryCounts.total}) vs stable ${percent(rate(baselineCounts))} ` +
    `(${baselineCounts.events}/${baselineCounts.total}) over ${ticks.length} ${ticks.length === 1 ? 'tick' : 'ticks'}; SPRT log-likelihood ratio ${stat(Math.log(evidence))}`;
  const common = {
    check: 'paired-probes',
    sli: 'error rate (probes)',
    method: 'sequential',
    canary: rate(canaryCounts),
    baseline: rate(baselineCounts),
    canaryCounts,
    baselineCounts,
    statistic: Math.log(evidence),
    criticalValue: Math.log(critical),
  } as const;
  if (evidence >= critical) return { ...common, verdict: 'fail', note: `${detail} ≥ ${stat(Math.log(critical))}` };
  const level = Math.log(settings.beta / 2);
  const byRatio = ruleOut <= level;
  if (probesRuleOut(ticks, settings)) {
    const how = byRatio ? `a ${settings.ratio}× regression ruled out (log-likelihood ${stat(ruleOut)} ≤ ${stat(level)})` : `failing ${percent(settings.floor)} of the probes or more ruled out`;
    return { ...common, verdict: 'pass', note: `${detail} < ${stat(Math.log(critical))}; ${how}` };
  }
  const why = `neither a ${settings.ratio}× regression (log-likelihood ${stat(ruleOut)}, ruled out at ${stat(level)}) nor failing ${percent(settings.floor)} of the probes ruled out yet`;
  return { ...common, verdict: 'inconclusive', note: `${detail} < ${stat(Math.log(critical))}; ${why}` };
}

/** What synthetic evidence asks of a release instead of decide's own decision. */
export interface SyntheticDraft {
  readonly action: 'rollback' | 'abort';
  readonly reason: 'hook_failed' | 'probes_failed';
  readonly explanation: string;
  readonly judgement?: Judgement | undefined;
}

function hookText(run: HookRun): string {
  return `${run.phase}-hook ${run.function} failed in ${run.durationMs} ms${run.detail === undefined ? '' : ` (${run.detail})`}`;
}

/**
 * The override synthetic evidence makes, if any: a failed before-hook ends a pending release
 * before any traffic, a failed after-hook rolls a promoted one back, and probes that fail the
 * sequential test roll back a progressing one. For decide() to call ahead of its own draft.
 */
export function syntheticDraft(release: Release, now: number): SyntheticDraft | undefined {
  if (release.synthetic === undefined) return undefined;
  const before = hookRunOf(release, 'before');
  if (release.state === 'pending' && before?.outcome === 'fail') {
    return { action: 'abort', reason: 'hook_failed', explanation: `stopped before any traffic: ${hookText(before)}` };
  }
  const after = hookRunOf(release, 'after');
  if (release.state === 'promoted' && after?.outcome === 'fail') {
    return { action: 'rollback', reason: 'hook_failed', explanation: `rolled back from 100%: ${hookText(after)}` };
  }
  const ticks = release.probeTicks ?? [];
  if ((release.state !== 'progressing' && release.state !== 'promoted') || ticks.length === 0) return undefined;
  const check = probeJudgement(ticks, probeSettings(release));
  if (check.verdict !== 'fail') return undefined;
  const judgement: Judgement = {
    verdict: 'fail',
    checks: [check],
    window: { start: Date.parse(ticks[0]!.at), end: now },
    canaryRequests: check.canaryCounts?.total ?? 0,
  };
  return { action: 'rollback', reason: 'probes_failed', judgement, explanation: `rolled back at ${weightText(release.weight)}: paired-probes: ${check.note}` };
}

/** The decision an override is recorded as. Decisions have no `abort` action: both are a return to stable, told apart by the events. */
export function syntheticDecision(release: Pick<Release, 'stepIndex' | 'weight'>, draft: SyntheticDraft, now: number): Decision {
  return {
    action: 'rollback',
    reason: draft.reason,
    at: new Date(now).toISOString(),
    stepIndex: release.stepIndex,
    weight: release.weight,
    toWeight: 0,
    judgement: draft.judgement,
    measurement: 'skipped',
    explanation: draft.explanation,
  };
}

/**
 * A release never succeeds without its after-hook: a success decided while the hook could not
 * run yet holds instead. Every other decision at 100%, a rollback above all, stands.
 */
export function holdForAfterHook(release: Release, decision: Decision): Decision {
  if (decision.action !== 'succeed' || !hookDue(release, 'after')) return decision;
  return { ...decision, action: 'hold', reason: 'verifying', toWeight: undefined, explanation: `${decision.explanation}; holding until the after-hook has run` };
}

/** The probes at a glance, for views: the counts, the latest tick and the verdict as the gate would judge it now. */
export interface ProbeSummary {
  readonly ticks: number;
  readonly canaryTotal: number;
  readonly canaryErrors: number;
  readonly baselineTotal: number;
  readonly baselineErrors: number;
  readonly lastTickAt?: string | undefined;
  readonly verdict: CheckResult['verdict'];
  readonly note: string;
}

export function probeSummary(release: Pick<Release, 'policy' | 'probeTicks'>): ProbeSummary {
  const ticks = release.probeTicks ?? [];
  const judged = probeJudgement(ticks, probeSettings(release));
  return {
    ticks: ticks.length,
    canaryTotal: sum(ticks, 'canaryTotal'),
    canaryErrors: sum(ticks, 'canaryErrors'),
    baselineTotal: sum(ticks, 'baselineTotal'),
    baselineErrors: sum(ticks, 'baselineErrors'),
    lastTickAt: ticks.at(-1)?.at,
    verdict: judged.verdict,
    note: ticks.length === 0 ? 'no probes have run yet' : judged.note,
  };
}

/**
 * The name of the hook function a request asks the gate to invoke, when it names one well
 * formed: `checkout-smoke` from a name or from its ARN. The API authorizes the caller for it.
 */
export function requestedHookFunction(input: unknown): string | undefined {
  const hook = (input as { hooks?: { function?: unknown } } | undefined)?.hooks?.function;
  if (typeof hook !== 'string' || !HOOK_FUNCTION.test(hook)) return undefined;
  return hook.split(':').at(-1);
}
