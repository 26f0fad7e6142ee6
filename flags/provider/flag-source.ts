import type { FlagSetDocument } from '../../lib/flags/flag-schema.js';

/** What a source answers: the set and its ETag, or "not modified" when the caller's ETag still holds. */
export type FlagSetFetch = { readonly notModified: true } | { readonly notModified?: false; readonly etag: string; readonly flagSet: FlagSetDocument };

/** Where ReleaseGateProvider reads flag sets from: the gate's HTTP API or the flag store itself. */
export interface FlagSetSource {
  /** `etag` is the one from the last answer; a source may answer `notModified` when it still holds. */
  fetch(etag?: string): Promise<FlagSetFetch>;
}

/** A fetch that failed. `fatal` when retrying cannot help (bad credentials, no such endpoint). */
export class FlagSourceError extends Error {
  override readonly name = 'FlagSourceError';
  constructor(
    message: string,
    readonly fatal: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
