import type { AliasRouting } from '../core/release.js';
import type { Plan } from '../core/plan.js';
import type { Preflight } from '../core/preflight.js';
import { describeRouting } from '../core/reducer.js';
import type { Release } from '../core/release.js';

/** A person's action that needs a reason came without one. */
export class ReasonRequiredError extends Error {
  override readonly name = 'ReasonRequiredError';
  constructor(readonly action: string) {
    super(`${action} needs a reason: it overrides the gate and stays in the audit record`);
  }
}

/** The release asks for something this deployment cannot do, such as flag steps without a flag store. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

/**
 * A person asked to resume a release whose alias still routes as someone else left it. Resuming
 * would only pause it again at the next tick, so the answer says what to do instead.
 */
export class AliasDriftedError extends Error {
  override readonly name = 'AliasDriftedError';
  /** What the alias routes, what the release expects, and what to do: the message without its subject. */
  readonly explanation: string;
  constructor(
    readonly release: Pick<Release, 'id' | 'function' | 'alias' | 'stableVersion'>,
    readonly expected: AliasRouting,
    readonly actual: AliasRouting,
    /** The AWS CLI command that sets the alias back to `expected`. */
    readonly command: string,
  ) {
    const explanation =
      `alias ${release.function}:${release.alias} routes ${describeRouting(actual)}, but the release expects ${describeRouting(expected)}. ` +
      `Set the alias back and resume again (${command}), or abort the release, which returns the alias to version ${release.stableVersion}`;
    super(`cannot resume release ${release.id}: ${explanation}`);
    this.explanation = explanation;
  }
}

/**
 * The pre-flight found that the stable version's traffic cannot bring the evidence the policy asks
 * for in time, and the policy says to refuse (`evidence.onInfeasible: refuse`) rather than start.
 */
export class PlanInfeasibleError extends Error {
  override readonly name = 'PlanInfeasibleError';
  constructor(
    readonly functionName: string,
    readonly alias: string,
    /** The plan as the pre-flight would have run it. */
    readonly plan: Plan,
    readonly preflight: Preflight,
  ) {
    const why = preflight.warnings.find((warning) => warning.code === 'too_few_requests')?.message ?? 'its traffic cannot bring the evidence the policy asks for in time';
    super(`refused to release ${functionName}:${alias}: ${why}. Raise policy.evidence.ruleOut or maxStepTime, or set onInfeasible to synthetic or time`);
  }
}
