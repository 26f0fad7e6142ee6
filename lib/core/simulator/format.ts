import { percent } from '../format.js';
import type { Summary } from './run.js';

const number = (value: number | undefined, digits = 0) => (value === undefined ? '–' : value.toFixed(digits));

/** Summary cells in a fixed order, for the simulator's and the benchmark's tables. */
export const SUMMARY_HEADER = [
  'runs',
  'rolled back before 100%',
  'paused',
  'refused',
  'reached 100%',
  'canary requests mean / p95',
  'failed requests mean / p95',
  'minutes to detect',
  'minutes to 100%',
] as const;

export function summaryCells(summary: Summary): string[] {
  return [
    String(summary.runs),
    percent(summary.caught),
    percent(summary.paused),
    percent(summary.refused),
    percent(summary.reachedFull),
    `${number(summary.canaryRequests.mean)} / ${number(summary.canaryRequests.p95)}`,
    `${number(summary.canaryFailures.mean, 1)} / ${number(summary.canaryFailures.p95)}`,
    number(summary.minutesToDetect, 1),
    number(summary.minutesToFull, 1),
  ];
}
