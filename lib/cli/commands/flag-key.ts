import { FLAG_KEY } from '../../core/plan.js';
import { UsageError } from '../errors.js';

/** The API's flag-key rule; a key becomes a URL path segment. */
export function flagKeyValue(text: string | undefined, command: string): string {
  if (text === undefined) throw new UsageError(`${command} needs <key>`, '<key>', command);
  if (!FLAG_KEY.test(text)) throw new UsageError(`<key> '${text}' is not a flag key: letters, digits, _ . - (starting with a letter or digit)`, '<key>', command);
  return text;
}
