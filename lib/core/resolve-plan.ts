import { PlanError } from './errors.js';
import { parsePlan, type Plan } from './plan.js';
import { DEFAULT_PRESET, PRESET_NAMES, presetPlan } from './presets.js';
import { applyRisk, type Risk } from './risk.js';

/**
 * Turns what a caller sent as `plan` (a preset's name, a plan object, or nothing for the default)
 * into the plan the release runs, shaped by its risk class. Errors name paths under `plan`.
 */
export function resolvePlan(input: unknown, risk: Risk): Plan {
  const raw = input === undefined ? DEFAULT_PRESET : input;
  let plan: Plan;
  if (typeof raw === 'string') {
    const preset = presetPlan(raw);
    if (preset === undefined) {
      throw new PlanError([{ path: 'plan', message: `unknown preset '${raw.slice(0, 64)}'; expected one of ${PRESET_NAMES.join(', ')}` }]);
    }
    plan = parsePlan(preset);
  } else {
    try {
      plan = parsePlan(raw);
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      throw new PlanError(error.issues.map((issue) => ({ ...issue, path: issue.path === '(root)' ? 'plan' : `plan.${issue.path}` })));
    }
  }
  return applyRisk(plan, risk);
}
