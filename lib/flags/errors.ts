import type { Issue } from '../core/errors.js';

/** A flag, cohort, flag set or ramp that breaks the rules; carries every field at fault. */
export class FlagValidationError extends Error {
  override readonly name = 'FlagValidationError';
  constructor(
    readonly issues: readonly Issue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), options);
  }
}
