import { COHORT_NAME } from '../../core/plan.js';
import type { StoredFlagView } from '../api-types.js';
import { segment } from '../client.js';
import { stringOf, type Command, type ParsedArgs } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { percentValue, readJsonFile, requireValue, wholeNumberValue } from '../values.js';
import { flagKeyValue } from './flag-key.js';

const REASON = { reason: { type: 'string', value: 'TEXT', help: 'why; kept with the new version (required)' } } as const;

const reasonOf = (args: ParsedArgs, command: string) => {
  const reason = stringOf(args, 'reason')?.trim();
  if (!reason) throw new UsageError(`${command} changes a flag and needs --reason`, '--reason', command);
  return reason;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A file holds either the flag's definition or a flagd document with the flag among its `flags`. */
function definitionFrom(document: unknown, key: string, file: string): unknown {
  if (!isObject(document)) throw new UsageError(`--file: ${file} holds no JSON object`, '--file', 'flags set');
  if (!isObject(document.flags)) return document;
  if (!(key in document.flags)) throw new UsageError(`--file: ${file} is a flagd document without a flag '${key}'`, '--file', 'flags set');
  return document.flags[key];
}

const written = (verb: string, flag: StoredFlagView) => `${verb} ${flag.key}: now version ${flag.version} (${String(flag.definition.state)})`;

export const flagsSetCommand: Command = {
  name: 'flags set',
  summary: 'Write a flag from a JSON file, validated and versioned',
  args: ['<key>'],
  options: {
    file: { type: 'string', value: 'FILE', help: "the flag's flagd definition, or a flagd document that has the flag (required)" },
    ...REASON,
    'expected-version': { type: 'string', value: 'N|none', help: 'refuse (409) unless the flag is at version N; none: it must not exist yet' },
  },
  details: 'With --json, prints the stored flag (PUT /flags/{key}).',
  prepare(args, { cwd }) {
    const key = flagKeyValue(args.positionals[0], 'flags set');
    const file = requireValue(stringOf(args, 'file'), '--file');
    const definition = definitionFrom(readJsonFile(file, '--file', cwd), key, file);
    const reason = reasonOf(args, 'flags set');
    const expected = stringOf(args, 'expected-version');
    const expectedVersion = expected === undefined ? undefined : expected === 'none' ? null : wholeNumberValue(expected, '--expected-version', 1);
    return async ({ client, out }) => {
      const flag = (await client.request<StoredFlagView>('PUT', `/flags/${segment(key)}`, { body: { definition, reason, expectedVersion } })).body;
      out.result(flag, () => written('wrote', flag));
      return EXIT.ok;
    };
  },
};

export const flagsRampCommand: Command = {
  name: 'flags ramp',
  summary: "Ramp a cohort's share of a flag; raising the percent only adds users",
  args: ['<key>'],
  options: {
    cohort: { type: 'string', value: 'NAME', help: 'the cohort (required)' },
    percent: { type: 'string', value: '0-100', help: 'the share of the cohort that gets the flag (required)' },
    ...REASON,
    on: { type: 'string', value: 'VARIANT', help: "the variant ramped users get; needed the first time for a non-boolean flag" },
    off: { type: 'string', value: 'VARIANT', help: 'the variant everyone else in the cohort gets' },
  },
  details: 'With --json, prints { key, previousVersion, appliedVersion } (POST /flags/{key}/ramp).',
  prepare(args) {
    const key = flagKeyValue(args.positionals[0], 'flags ramp');
    const cohort = requireValue(stringOf(args, 'cohort'), '--cohort');
    if (!COHORT_NAME.test(cohort)) throw new UsageError(`--cohort '${cohort}' is not a cohort name: letters, digits, _ . -`, '--cohort', 'flags ramp');
    const percent = percentValue(requireValue(stringOf(args, 'percent'), '--percent'), '--percent');
    const body = { cohort, percent, reason: reasonOf(args, 'flags ramp'), on: stringOf(args, 'on'), off: stringOf(args, 'off') };
    return async ({ client, out }) => {
      const answer = (await client.request<{ key: string; previousVersion: number | null; appliedVersion: number }>('POST', `/flags/${segment(key)}/ramp`, { body })).body;
      out.result(answer, () =>
        answer.previousVersion === answer.appliedVersion
          ? `${key}: ${cohort} is already at ${percent}% (version ${answer.appliedVersion}); nothing written`
          : `ramped ${key}: ${cohort} to ${percent}%, version ${answer.previousVersion ?? 'none'} → ${answer.appliedVersion}`,
      );
      return EXIT.ok;
    };
  },
};

export const flagsKillCommand: Command = {
  name: 'flags kill',
  summary: 'The kill switch: disable a flag, so every caller gets its code default',
  args: ['<key>'],
  options: REASON,
  details: 'Undo with flags restore <key> --version N (flags history lists the versions). With --json, prints the stored flag.',
  prepare(args) {
    const key = flagKeyValue(args.positionals[0], 'flags kill');
    const reason = reasonOf(args, 'flags kill');
    return async ({ client, out }) => {
      const flag = (await client.request<StoredFlagView>('POST', `/flags/${segment(key)}/kill`, { body: { reason } })).body;
      out.result(flag, () => written('killed', flag));
      return EXIT.ok;
    };
  },
};

export const flagsRestoreCommand: Command = {
  name: 'flags restore',
  summary: 'Write an earlier version of a flag again as its newest',
  args: ['<key>'],
  options: { version: { type: 'string', value: 'N', help: 'the version to restore (required; see flags history)' }, ...REASON },
  details: 'With --json, prints the stored flag after the restore.',
  prepare(args) {
    const key = flagKeyValue(args.positionals[0], 'flags restore');
    const version = wholeNumberValue(requireValue(stringOf(args, 'version'), '--version'), '--version', 1);
    const reason = reasonOf(args, 'flags restore');
    return async ({ client, out }) => {
      const flag = (await client.request<StoredFlagView>('POST', `/flags/${segment(key)}/restore`, { body: { version, reason } })).body;
      out.result(flag, () => written(`restored version ${version} of`, flag));
      return EXIT.ok;
    };
  },
};
