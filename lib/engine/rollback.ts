import type { ReleaseEvent } from '../core/events.js';
import type { Release } from '../core/release.js';
import { ConflictError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { notify, nowIso, persist } from './persist.js';

export type RollbackOutcome =
  | { readonly status: 'confirmed'; readonly release: Release; readonly durationMs: number; readonly attempts: number }
  | { readonly status: 'pending'; readonly release: Release; readonly error: string };

/**
 * Returns the alias to the stable version, reads it back, turns the release's flags back, and only
 * then records `rolled_back` (or `aborted`). When UpdateAlias keeps failing, the release stays
 * `rolling_back` and the next tick tries again: it is never recorded as rolled back unconfirmed.
 *
 * The loop here is the only retry above the SDK's: a rollback is worth waiting for within a tick,
 * also on what the SDK does not retry, such as Lambda's "an update is in progress".
 */
export async function finishRollback(deps: EngineDeps, release: Release): Promise<RollbackOutcome> {
  const log = { releaseId: release.id, function: release.function, alias: release.alias };
  let attempts = 0;
  let lastError: unknown;
  for (attempts = 1; attempts <= deps.config.rollbackAttempts; attempts += 1) {
    try {
      await deps.router.rollback(release.function, release.alias, release.stableVersion);
      lastError = undefined;
      break;
    } catch (error) {
      lastError = error;
      deps.logger.warn('rollback attempt failed', { ...log, attempt: attempts, error: String(error) });
      if (attempts < deps.config.rollbackAttempts) await deps.clock.sleep(deps.config.rollbackBackoffMs * 2 ** (attempts - 1));
    }
  }
  if (lastError !== undefined) {
    const error = `alias not yet back on version ${release.stableVersion}: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`;
    deps.logger.error('rollback not confirmed; will retry', { ...log, error });
    await notify(deps, 'rollback_stuck', release, `${release.function}:${release.alias} is rolling back but ${error}`);
    return { status: 'pending', release, error };
  }

  const restored = await restoreFlags(deps, release);
  if (restored.failed.length > 0) {
    const error = `flags not yet restored: ${restored.failed.join(', ')}`;
    deps.logger.error('flag restore failed; will retry', { ...log, error });
    return { status: 'pending', release, error };
  }

  const at = nowIso(deps);
  const durationMs = Math.max(0, Date.parse(at) - Date.parse(release.rollbackStartedAt ?? at));
  const events: ReleaseEvent[] = [];
  if (restored.keys.length > 0) events.push({ type: 'flags_restored', at, keys: restored.keys });
  const abortedBy = release.actors.findLast((record) => record.action === 'abort')?.actor ?? 'release-gate';
  events.push(release.rollbackIntent === 'abort' ? { type: 'aborted', at, actor: abortedBy, durationMs } : { type: 'rolled_back', at, durationMs, attempts });
  try {
    const saved = await persist(deps, release, events, 'keep');
    const verb = release.rollbackIntent === 'abort' ? 'aborted' : 'rolled back';
    await notify(deps, release.rollbackIntent === 'abort' ? 'aborted' : 'rolled_back', saved, `${release.function}:${release.alias} ${verb} to version ${release.stableVersion} in ${durationMs} ms: ${release.rollbackReason ?? ''}`);
    deps.logger.info(`release ${verb}`, { ...log, durationMs, attempts });
    return { status: 'confirmed', release: saved, durationMs, attempts };
  } catch (error) {
    // Another evaluator confirmed the same rollback first; the alias is where it must be.
    if (error instanceof ConflictError) {
      const current = await deps.store.get(release.id);
      if (current && current.state !== 'rolling_back') return { status: 'confirmed', release: current, durationMs, attempts };
    }
    throw error;
  }
}

/** Puts every flag the release changed back to the version it had when the release was created. */
async function restoreFlags(deps: EngineDeps, release: Release): Promise<{ keys: string[]; failed: string[] }> {
  const keys = [...new Set(release.flags.map((touch) => touch.key))];
  if (keys.length === 0) return { keys, failed: [] };
  const failed: string[] = [];
  for (const key of keys) {
    try {
      if (deps.flags === undefined) throw new Error('no flag store is configured');
      const version = release.flagVersions[key] ?? release.flags.find((touch) => touch.key === key)?.previousVersion ?? null;
      await deps.flags.restore({ key, version, actor: 'release-gate', reason: `release ${release.id} ${release.rollbackIntent === 'abort' ? 'aborted' : 'rolled back'}` });
    } catch (error) {
      deps.logger.warn('flag restore failed', { releaseId: release.id, key, error: String(error) });
      failed.push(key);
    }
  }
  return { keys, failed };
}
