import { flagOf, stringOf, type OptionSpecs, type ParsedArgs } from '../command.js';
import { UsageError } from '../errors.js';
import type { FollowOptions } from '../follow-release.js';
import { durationValue } from '../values.js';

export const DEFAULT_TIMEOUT = '60m';

export const FOLLOW_OPTIONS = {
  timeout: { type: 'string', value: 'DURATION', help: `give up waiting after this long, exit 3; the release carries on (default: ${DEFAULT_TIMEOUT})` },
  'fail-on-pause': { type: 'boolean', help: 'exit 1 when the release pauses, instead of waiting for someone to resume it' },
} as const satisfies OptionSpecs;

export function followOptions(args: ParsedArgs): FollowOptions {
  return { timeoutMs: durationValue(stringOf(args, 'timeout') ?? DEFAULT_TIMEOUT, '--timeout'), failOnPause: flagOf(args, 'fail-on-pause') };
}

/** `start` follows only with --wait; the follow options alone would silently do nothing. */
export function rejectFollowOptionsWithoutWait(args: ParsedArgs, command: string): void {
  for (const name of Object.keys(FOLLOW_OPTIONS)) {
    if (args.values[name] !== undefined) throw new UsageError(`--${name} applies only with --wait`, `--${name}`, command);
  }
}
