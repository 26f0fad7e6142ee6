/**
 * Which SDK exceptions mean "the service cannot serve this now". The SDK clients retry those
 * themselves (lib/wiring/aws-clients.ts configures how often), so by the time an adapter sees
 * one, the retries are spent: it becomes a DependencyUnavailableError with the SDK's error as
 * cause. Anything else goes up unchanged.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { DependencyUnavailableError, type Dependency } from '../errors.js';

type SdkError = Parameters<typeof isTransientError>[0];

/**
 * The SDK's own classification, so "unavailable" means exactly what its standard retry strategy
 * retries: throttling (429 and the throttling codes), 500/502/503/504, timeouts and connection
 * errors; and any other server fault (5xx, or `$fault: 'server'` as the service model marks it).
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as SdkError;
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError) || sdkError.$fault === 'server';
}

/**
 * Runs one SDK call; an unavailable service (or one `alsoUnavailable` recognises) becomes a
 * DependencyUnavailableError naming the dependency and the call.
 */
export async function callAws<T>(dependency: Dependency, operation: string, call: () => Promise<T>, alsoUnavailable?: (error: unknown) => boolean): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error) || alsoUnavailable?.(error) === true) throw new DependencyUnavailableError(dependency, operation, { cause: error });
    throw error;
  }
}
