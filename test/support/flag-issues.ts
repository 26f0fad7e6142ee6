import { FlagValidationError } from '../../lib/flags/errors.js';

/** The issues a flag validation failure carries; fails the test when `run` does not throw one. */
export function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof FlagValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a FlagValidationError');
}
