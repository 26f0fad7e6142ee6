import type { ReleaseEvent } from '../../core/events.js';
import { formatReplay, replayDecisions } from '../../core/replay-decisions.js';
import { segment } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { nameValue } from '../values.js';

const NAME = 'replay';

export const replayCommand: Command = {
  name: NAME,
  summary: 'Decide every stored decision of a release again from its stored inputs, and report any difference',
  args: ['<release-id>'],
  options: {},
  details:
    'Reads the release\'s history (GET /releases/{id}/events) and decides each of the gate\'s decisions again here, with this build\'s analysis, from the events before it and the periods its ticks stored; CloudWatch is never asked. Exits 0 when every decision comes out the same, 5 when one differs or was recorded without its inputs. With --json, prints the report.',
  prepare(args) {
    const id = args.positionals[0];
    if (id === undefined) throw new UsageError('name the release to replay', '<release-id>', NAME);
    const releaseId = nameValue(id, '<release-id>');
    return async ({ client, out }) => {
      const history = (await client.get<{ events: { event: ReleaseEvent }[] }>(`/releases/${segment(releaseId)}/events`)).body;
      const report = replayDecisions(releaseId, history.events.map((entry) => entry.event));
      out.result(report, () => formatReplay(report));
      return report.different === 0 && report.withoutInputs === 0 ? EXIT.ok : EXIT.replayDiffers;
    };
  },
};
