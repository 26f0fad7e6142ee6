import { formatDuration, parseDuration } from './duration.js';
import type { Plan, Step } from './plan.js';

export const RISKS = ['low', 'normal', 'high'] as const;
export type Risk = (typeof RISKS)[number];

export const HIGH_RISK_APPROVER = 'release-approver';
const HIGH_RISK_GATE_WEIGHT = 10;

/**
 * What each risk class does to a plan:
 * - `low`: the plan as written, with half the verification window (at least 5m).
 * - `normal`: the plan as written.
 * - `high`: an approval by `release-approver` before traffic passes 10% (unless the plan already
 *   asks for one there), and twice the verification window.
 */
export function applyRisk(plan: Plan, risk: Risk): Plan {
  const verification = parseDuration(plan.verification) ?? 0;
  switch (risk) {
    case 'normal':
      return plan;
    case 'low':
      return { ...plan, verification: formatDuration(Math.max(verification / 2, Math.min(verification, 5 * 60_000))) };
    case 'high':
      return {
        ...plan,
        steps: withApprovalBeforeWeight(plan.steps, HIGH_RISK_GATE_WEIGHT),
        verification: formatDuration(verification * 2),
      };
  }
}

/** Inserts an approval before the first step that takes traffic past `limit`, or before promotion. */
function withApprovalBeforeWeight(steps: readonly Step[], limit: number): Step[] {
  let gateIndex = steps.findIndex((step) => step.type === 'traffic' && step.weight > limit);
  if (gateIndex === -1) gateIndex = steps.length;
  let lastTrafficAtOrBelow = -1;
  steps.slice(0, gateIndex).forEach((step, index) => {
    if (step.type === 'traffic') lastTrafficAtOrBelow = index;
  });
  const alreadyApproved = steps
    .slice(lastTrafficAtOrBelow + 1, gateIndex)
    .some((step) => step.type === 'approval');
  if (alreadyApproved) return [...steps];
  return [...steps.slice(0, gateIndex), { type: 'approval', role: HIGH_RISK_APPROVER }, ...steps.slice(gateIndex)];
}
