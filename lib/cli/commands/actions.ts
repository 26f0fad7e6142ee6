import { weightText } from '../../core/format.js';
import type { ReleaseView } from '../api-types.js';
import { segment } from '../client.js';
import { stringOf, type Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { nameValue } from '../values.js';

interface ActionSpec {
  readonly action: 'pause' | 'resume' | 'approve' | 'promote' | 'abort' | 'rollback';
  readonly summary: string;
  /** Overrides of the gate need a reason, as the API does; asking here saves a round trip. */
  readonly reasonRequired: boolean;
  readonly done: string;
}

const ACTIONS: readonly ActionSpec[] = [
  { action: 'pause', summary: 'Pause a release where it stands; the alias keeps its weights', reasonRequired: false, done: 'paused' },
  { action: 'resume', summary: 'Resume a paused release', reasonRequired: false, done: 'resumed' },
  { action: 'approve', summary: "Approve a release's approval step (needs releases:approve)", reasonRequired: false, done: 'approved' },
  { action: 'promote', summary: 'Skip the remaining steps and shift the alias to 100% (needs releases:approve and --reason)', reasonRequired: true, done: 'promoted' },
  { action: 'abort', summary: 'Stop a release and return the alias to the stable version (needs --reason)', reasonRequired: true, done: 'aborted' },
  { action: 'rollback', summary: 'Roll a release back to the stable version (needs --reason)', reasonRequired: true, done: 'rolled back' },
];

function actionCommand(spec: ActionSpec): Command {
  return {
    name: spec.action,
    summary: spec.summary,
    args: ['<release-id>'],
    options: { reason: { type: 'string', value: 'TEXT', help: `why; kept in the audit record${spec.reasonRequired ? ' (required)' : ''}` } },
    details: `With --json, prints the release after the action (POST /releases/{id}/${spec.action}).`,
    prepare(args) {
      const id = nameValue(args.positionals[0]!, '<release-id>');
      const reason = stringOf(args, 'reason')?.trim() || undefined;
      if (spec.reasonRequired && reason === undefined) throw new UsageError(`${spec.action} overrides the gate and needs --reason`, '--reason', spec.action);
      return async ({ client, out }) => {
        const release = (await client.request<ReleaseView>('POST', `/releases/${segment(id)}/${spec.action}`, { body: reason === undefined ? {} : { reason } })).body;
        out.result(release, () => `${spec.done} ${release.id}: now ${release.state} at ${weightText(release.weight)}`);
        return EXIT.ok;
      };
    },
  };
}

export const actionCommands: readonly Command[] = ACTIONS.map(actionCommand);
