/** Checks of command-line values; each failure names the flag, so a typo costs one glance. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { parseDuration } from '../core/duration.js';
import { UsageError } from './errors.js';

const IsoTimeSchema = z.iso.datetime({ offset: true });
/** The API's id rule; checked here too because ids become URL path segments. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses an option only when it was given. */
export const ifGiven = <T>(text: string | undefined, parse: (text: string) => T): T | undefined => (text === undefined ? undefined : parse(text));

export function requireValue(value: string | undefined, flag: string, hint = ''): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required${hint}`, flag);
  return value;
}

/** `30m`, `1h30m`, `90s` → milliseconds, above zero. */
export function durationValue(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} expects a duration such as 30m, 1h or 90s, got '${text}'`, flag);
  return ms;
}

/** 0–100, with an optional `%`. */
export function percentValue(text: string, flag: string): number {
  const trimmed = text.trim().replace(/%$/, '');
  const value = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= 0 && value <= 100)) throw new UsageError(`${flag} expects a percent from 0 to 100, got '${text}'`, flag);
  return value;
}

export function wholeNumberValue(text: string, flag: string, min = 0, max = 999_999_999): number {
  const value = /^\d{1,9}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got '${text}'`, flag);
  return value;
}

/** An ISO 8601 time with a zone, as the API takes it: 2030-01-07T10:00:00Z or …+01:00. */
export function isoTimeValue(text: string, flag: string): string {
  if (!IsoTimeSchema.safeParse(text).success) throw new UsageError(`${flag} expects an ISO 8601 time with a zone, such as 2030-01-07T10:00:00Z, got '${text}'`, flag);
  return text;
}

export function choiceValue<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${flag} expects one of ${choices.join(', ')}, got '${text}'`, flag);
  return text as T;
}

/** A value that becomes a path segment: the API's ids, flag keys and cohort names. */
export function nameValue(text: string, what: string, pattern: RegExp = ID): string {
  if (!pattern.test(text)) throw new UsageError(`${what} '${text}' is not valid: letters, digits, - and _ only`, what);
  return text;
}

export function readJsonFile(path: string, flag: string, cwd: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, flag);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${path} is not valid JSON: ${(error as Error).message}`, flag);
  }
}
