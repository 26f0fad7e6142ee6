import type { Plan, Step } from './plan.js';

export const DEFAULT_PRESET = 'canary-1-10-50-100';

const traffic = (weight: number, minBake: string): Step => ({ type: 'traffic', weight, minBake });

/** CodeDeploy's Canary: `percent` for `minutes`, then everything. */
const canary = (percent: number, minutes: number): Step[] => [traffic(percent, `${minutes}m`)];

/** CodeDeploy's Linear: `percent` more every `minutes` until 100%. */
function linear(percent: number, minutes: number): Step[] {
  const steps: Step[] = [];
  for (let weight = percent; weight < 100; weight += percent) steps.push(traffic(weight, `${minutes}m`));
  return steps;
}

const PRESET_STEPS: Record<string, Step[]> = {
  [DEFAULT_PRESET]: [traffic(1, '5m'), traffic(10, '5m'), traffic(50, '5m')],
  Canary10Percent5Minutes: canary(10, 5),
  Canary10Percent10Minutes: canary(10, 10),
  Canary10Percent15Minutes: canary(10, 15),
  Canary10Percent30Minutes: canary(10, 30),
  Linear10PercentEvery1Minute: linear(10, 1),
  Linear10PercentEvery2Minutes: linear(10, 2),
  Linear10PercentEvery3Minutes: linear(10, 3),
  Linear10PercentEvery10Minutes: linear(10, 10),
  // Straight to 100%; the verification window is the only gate.
  AllAtOnce: [traffic(100, '0s')],
};

export const PRESET_NAMES = Object.keys(PRESET_STEPS);

export function isPresetName(name: string): boolean {
  return Object.hasOwn(PRESET_STEPS, name);
}

/** A preset as a raw plan, before validation; every preset watches 30 minutes at 100%. */
export function presetPlan(name: string): Plan | undefined {
  const steps = PRESET_STEPS[name];
  if (steps === undefined) return undefined;
  return { preset: name, steps: steps.map((step) => ({ ...step })), verification: '30m' };
}
