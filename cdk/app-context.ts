import { Duration } from 'aws-cdk-lib';
import type { ReleaseGateProps } from './release-gate-props.js';

/** The demo's function (sandbox.config.json), so a bare `cdk synth` shows a complete stack. */
export const DEFAULT_MANAGED_FUNCTIONS = ['checkout'] as const;

type Context = (key: string) => unknown;

/** `a,b` on the command line, or a JSON array in cdk.json. */
function list(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim());
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  throw new Error(`context ${key} must be a comma-separated string or an array of strings, got ${JSON.stringify(value)}`);
}

/**
 * The app's context (`-c key=value` or cdk.json):
 * - `managedFunctions`: the functions the gate may shift, default `checkout`;
 * - `hookFunctions`: functions the evaluator may invoke as a release's lifecycle hook;
 * - `notificationEmails`: emails subscribed to the notifications topic;
 * - `evaluationIntervalMinutes`: how often the evaluator ticks, default 1.
 */
export function releaseGatePropsFromContext(context: Context): ReleaseGateProps {
  const managedFunctions = list(context('managedFunctions'), 'managedFunctions') ?? [...DEFAULT_MANAGED_FUNCTIONS];
  const hookFunctions = list(context('hookFunctions'), 'hookFunctions');
  const notificationEmails = list(context('notificationEmails'), 'notificationEmails');
  const minutes = context('evaluationIntervalMinutes');
  const interval = minutes === undefined ? undefined : Number(minutes);
  if (interval !== undefined && !Number.isFinite(interval)) throw new Error(`context evaluationIntervalMinutes must be a number, got ${JSON.stringify(minutes)}`);
  return {
    managedFunctions,
    ...(hookFunctions ? { hookFunctions } : {}),
    ...(notificationEmails ? { notificationEmails } : {}),
    ...(interval !== undefined ? { evaluationInterval: Duration.seconds(interval * 60) } : {}),
  };
}
