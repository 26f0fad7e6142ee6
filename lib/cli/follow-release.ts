import { formatDuration } from '../core/duration.js';
import { weightText } from '../core/format.js';
import type { GateView } from './api-types.js';
import { segment } from './client.js';
import type { RunContext } from './command.js';
import { EXIT } from './errors.js';
import { progressKey, progressLine, statusLine, stepText } from './gate-progress.js';

/** The API caps a long poll at 25 seconds; 20 leaves room for proxies with a 30-second limit. */
const POLL_SECONDS = 20;
/** After an unchanged answer: keeps a proxy that ignores long polls from turning this into a busy loop. */
const UNCHANGED_PAUSE_MS = 1_000;

export interface FollowOptions {
  readonly timeoutMs: number;
  readonly failOnPause: boolean;
}

export interface FollowResult {
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly gate: GateView;
}

/**
 * Follows a release on the gate's long poll until it finishes, pauses (with --fail-on-pause) or
 * the timeout passes, printing a line whenever the state, step, weight or a check's verdict changes.
 */
export async function followRelease(id: string, options: FollowOptions, context: RunContext): Promise<FollowResult> {
  const { client, out } = context;
  const started = context.now();
  const deadline = started + options.timeoutMs;
  let gate: GateView | undefined;
  let shownKey: string | undefined;
  let shownPause: string | undefined;

  for (;;) {
    if (gate !== undefined && context.now() >= deadline) {
      out.line(`timed out after ${formatDuration(options.timeoutMs)}: ${id} is still ${gate.state} at ${weightText(gate.weight)}, ${stepText(gate.step)}.`);
      out.line(`The release carries on without this command; follow it with: release-gate wait ${id}`);
      return { exitCode: EXIT.timeout, timedOut: true, gate };
    }
    const since = gate?.revision;
    const wait = since === undefined ? 0 : Math.max(1, Math.min(POLL_SECONDS, Math.ceil((deadline - context.now()) / 1000)));
    // A poll is a GET: the client retries it while the gate is briefly unavailable.
    gate = (await client.get<GateView>(`/releases/${segment(id)}/gate`, { wait, since }, (wait + 30) * 1000)).body;
    const elapsed = context.now() - started;
    const key = progressKey(gate);
    if (key !== shownKey) out.line(progressLine(gate, elapsed));
    else out.transient(statusLine(gate, elapsed));
    shownKey = key;

    switch (gate.outcome) {
      case 'succeeded':
        out.line(`succeeded: ${gate.explanation}`);
        return { exitCode: EXIT.ok, timedOut: false, gate };
      case 'rolled_back':
      case 'aborted':
        out.line(`${gate.outcome === 'aborted' ? 'aborted' : 'rolled back'}: ${gate.explanation}`);
        return { exitCode: EXIT.releaseFailed, timedOut: false, gate };
      case 'paused':
        if (options.failOnPause) {
          out.line(`paused: ${gate.explanation}`);
          out.line('Stopping because of --fail-on-pause; the release stays paused until someone resumes, promotes or rolls it back.');
          return { exitCode: EXIT.releaseFailed, timedOut: false, gate };
        }
        if (shownPause !== gate.explanation) out.line(`paused: ${gate.explanation}. Still waiting: a person may resume it (release-gate resume ${id}).`);
        shownPause = gate.explanation;
        break;
      case 'pending':
        shownPause = undefined;
    }
    if (since !== undefined && gate.revision <= since) await context.sleep(UNCHANGED_PAUSE_MS);
  }
}
