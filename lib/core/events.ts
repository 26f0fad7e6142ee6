import type { Decision } from './decision.js';
import type { ObservedInputs } from './observations.js';
import type { AliasRouting, FlagTouch, NewRelease } from './release.js';
import type { HookRun, ProbeTick } from './synthetic-config.js';

interface Base {
  readonly at: string;
}
interface ByPerson {
  readonly actor: string;
  readonly reason?: string | undefined;
}

export type ReleaseEvent =
  /** The first event of every release: what was asked for, and by whom. */
  | (Base & { readonly type: 'created'; readonly release: NewRelease })
  | (Base & { readonly type: 'started'; readonly weight: number; readonly decision?: Decision | undefined })
  | (Base & { readonly type: 'step_advanced'; readonly toStep: number; readonly weight: number; readonly decision?: Decision | undefined })
  | (Base & { readonly type: 'held'; readonly decision: Decision })
  | (Base & { readonly type: 'decision_recorded'; readonly decision: Decision })
  /** A person's pause carries their reason only if they gave one; the gate's own always says why. */
  | (Base & { readonly type: 'paused'; readonly reason?: string | undefined; readonly actor?: string | undefined; readonly decision?: Decision | undefined })
  | (Base & ByPerson & { readonly type: 'resumed' })
  | (Base & ByPerson & { readonly type: 'approved'; readonly role: string })
  | (Base & { readonly type: 'promoted'; readonly decision?: Decision | undefined; readonly actor?: string | undefined; readonly reason?: string | undefined })
  | (Base & { readonly type: 'succeeded'; readonly decision?: Decision | undefined })
  | (Base & {
      readonly type: 'rollback_started';
      readonly intent: 'rollback' | 'abort';
      readonly reason: string;
      readonly actor?: string | undefined;
      readonly decision?: Decision | undefined;
    })
  | (Base & { readonly type: 'rolled_back'; readonly durationMs: number; readonly attempts: number })
  | (Base & ByPerson & { readonly type: 'aborted'; readonly durationMs?: number | undefined })
  /** The alias was read back at `weight` after the gate changed it. */
  | (Base & { readonly type: 'routing_confirmed'; readonly weight: number; readonly durationMs: number; readonly attempts: number })
  | (Base & {
      readonly type: 'drift_detected';
      readonly expected: AliasRouting;
      readonly actual: AliasRouting;
      /** When the gate last saw the alias as it expected: the change came after it, so traffic since then does not count. */
      readonly since?: string | undefined;
    })
  | (Base & { readonly type: 'flag_changed'; readonly flag: FlagTouch })
  | (Base & { readonly type: 'flags_restored'; readonly keys: readonly string[] })
  /** A lifecycle hook of the release's synthetic evidence ran; see lib/core/synthetic.ts. */
  | (Base & { readonly type: 'hook_ran'; readonly run: HookRun })
  /** One tick's paired probes of the new and the stable version. */
  | (Base & { readonly type: 'probes_ran'; readonly tick: ProbeTick })
  /** What the tick whose decision follows saw, and which analysis judged it: the inputs a replay decides from again. */
  | (Base & { readonly type: 'observed'; readonly inputs: ObservedInputs });

