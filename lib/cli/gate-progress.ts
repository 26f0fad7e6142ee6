import { formatDuration } from '../core/duration.js';
import { weightText } from '../core/format.js';
import type { GateView, StepView } from './api-types.js';

export function stepText(step: StepView): string {
  if (step.description === 'not started' || step.index >= step.total) return step.description;
  return `step ${step.index + 1}/${step.total} (${step.description})`;
}

export function checksText(gate: GateView): string {
  return gate.checks.length === 0 ? 'no checks yet' : gate.checks.map((check) => `${check.check} ${check.verdict}`).join(', ');
}

/** What a person watches for; a hold that only adds samples is not worth a line in a CI log. */
export function progressKey(gate: GateView): string {
  return [gate.state, gate.step.index, gate.weight, ...gate.checks.map((check) => `${check.check}=${check.verdict}`)].join('|');
}

const elapsedText = (ms: number) => `+${formatDuration(Math.max(0, Math.floor(ms / 1000) * 1000))}`;

/** One line per change: `+6m progressing, step 2/3 (10% for at least 5m), weight 10%: error-rate-ceiling pass, …` */
export function progressLine(gate: GateView, elapsedMs: number): string {
  return `${elapsedText(elapsedMs)} ${gate.state}, ${stepText(gate.step)}, weight ${weightText(gate.weight)}: ${checksText(gate)}`;
}

/** The line a TTY redraws between changes. */
export function statusLine(gate: GateView, elapsedMs: number): string {
  const line = `${elapsedText(elapsedMs)} ${gate.state} at ${weightText(gate.weight)}: ${gate.explanation}`;
  return line.length > 118 ? `${line.slice(0, 117)}…` : line;
}
