import { formatDuration } from '../../core/duration.js';
import type { Command } from '../command.js';
import { followRelease } from '../follow-release.js';
import { nameValue } from '../values.js';
import { FOLLOW_OPTIONS, followOptions } from './follow-options.js';

export const waitCommand: Command = {
  name: 'wait',
  summary: 'Follow a release until it succeeds (0), is rolled back or aborted (1), or --timeout passes (3)',
  args: ['<release-id>'],
  options: FOLLOW_OPTIONS,
  details: `Prints a line whenever the state, step, weight or an SLI check's verdict changes. A paused
release keeps the command waiting (a person may resume it); it says why it paused.
With --json, prints {"releaseId", "timedOut", "gate"} at the end, where gate is the last
answer of GET /releases/{id}/gate.`,
  prepare(args) {
    const id = nameValue(args.positionals[0]!, '<release-id>');
    const options = followOptions(args);
    return async (context) => {
      context.out.line(`waiting for ${id} (timeout ${formatDuration(options.timeoutMs)})`);
      const result = await followRelease(id, options, context);
      context.out.document({ releaseId: id, timedOut: result.timedOut, gate: result.gate });
      return result.exitCode;
    };
  },
};
