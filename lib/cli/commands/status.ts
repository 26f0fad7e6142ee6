import { RELEASE_STATES } from '../../core/release.js';
import type { ReleaseView } from '../api-types.js';
import { segment } from '../client.js';
import { stringOf, type Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { releaseDetails, releaseTable } from '../release-text.js';
import { choiceValue, ifGiven, nameValue, wholeNumberValue } from '../values.js';

const NAME = 'status';

export const statusCommand: Command = {
  name: NAME,
  summary: 'Show a release, or list recent releases (of a function with --function)',
  args: ['[release-id]'],
  options: {
    function: { type: 'string', value: 'NAME', help: 'list the releases of this function' },
    state: { type: 'string', value: 'STATE', help: `list only releases in this state: ${RELEASE_STATES.join(', ')}` },
    limit: { type: 'string', value: 'N', help: 'list at most N releases, 1–100 (default: 20)' },
  },
  details: 'With --json, prints GET /releases/{id}, or GET /releases (`{ items, cursor }`) for a list.',
  prepare(args) {
    const id = args.positionals[0];
    if (id !== undefined) {
      for (const option of ['function', 'state', 'limit']) {
        if (args.values[option] !== undefined) throw new UsageError(`--${option} lists releases; leave out the release id to use it`, `--${option}`, NAME);
      }
      const releaseId = nameValue(id, '<release-id>');
      return async ({ client, out }) => {
        const release = (await client.get<ReleaseView>(`/releases/${segment(releaseId)}`)).body;
        out.result(release, () => releaseDetails(release));
        return EXIT.ok;
      };
    }
    const query = {
      function: stringOf(args, 'function'),
      state: ifGiven(stringOf(args, 'state'), (text) => choiceValue(text, '--state', RELEASE_STATES)),
      limit: ifGiven(stringOf(args, 'limit'), (text) => wholeNumberValue(text, '--limit', 1, 100)),
    };
    return async ({ client, out }) => {
      const page = (await client.get<{ items: ReleaseView[]; cursor?: string }>('/releases', query)).body;
      out.result(page, () => (page.items.length === 0 ? 'no releases' : releaseTable(page.items)));
      return EXIT.ok;
    };
  },
};
