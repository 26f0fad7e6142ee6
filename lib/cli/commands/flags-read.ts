import type { FlagSetView, StoredFlagView } from '../api-types.js';
import { segment } from '../client.js';
import type { Command } from '../command.js';
import { EXIT } from '../errors.js';
import { markdownTable } from '../table.js';
import { flagKeyValue } from './flag-key.js';

/** A flagd field for a table cell: strings as they are, anything else as JSON. */
const text = (value: unknown) => (value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

export function flagSetTable(set: FlagSetView): string {
  const rows = Object.entries(set.flags).map(([key, flag]) => [
    key,
    text(flag.state),
    text(flag.defaultVariant),
    Object.keys((flag.variants as Record<string, unknown> | undefined) ?? {}).join(', '),
    flag.targeting === undefined ? 'no' : 'yes',
  ]);
  if (rows.length === 0) return 'no flags';
  const cohorts = Object.keys(set.$evaluators ?? {});
  return `${markdownTable(['key', 'state', 'default', 'variants', 'targeting'], rows)}${cohorts.length > 0 ? `\ncohorts: ${cohorts.join(', ')}` : ''}`;
}

const changeLine = (flag: StoredFlagView) => `version ${flag.version}, ${flag.updatedAt} by ${flag.updatedBy}${flag.reason ? `: ${flag.reason}` : ''}`;

export const flagsListCommand: Command = {
  name: 'flags list',
  summary: 'List the flags (the flagd document the provider reads)',
  options: {},
  details: 'With --json, prints GET /flags: the flagd JSON document with its $evaluators.',
  prepare() {
    return async ({ client, out }) => {
      const set = (await client.get<FlagSetView>('/flags')).body;
      out.result(set, () => flagSetTable(set));
      return EXIT.ok;
    };
  },
};

export const flagsGetCommand: Command = {
  name: 'flags get',
  summary: 'Show a flag: its version, who changed it last and why, and its definition',
  args: ['<key>'],
  options: {},
  details: 'With --json, prints GET /flags/{key}.',
  prepare(args) {
    const key = flagKeyValue(args.positionals[0], 'flags get');
    return async ({ client, out }) => {
      const flag = (await client.get<StoredFlagView>(`/flags/${segment(key)}`)).body;
      out.result(flag, () => `${flag.key}: ${changeLine(flag)}\n${JSON.stringify(flag.definition, null, 2)}`);
      return EXIT.ok;
    };
  },
};

export const flagsHistoryCommand: Command = {
  name: 'flags history',
  summary: "List a flag's versions, oldest first (for flags restore)",
  args: ['<key>'],
  options: {},
  details: 'With --json, prints GET /flags/{key}/history.',
  prepare(args) {
    const key = flagKeyValue(args.positionals[0], 'flags history');
    return async ({ client, out }) => {
      const history = (await client.get<{ items: StoredFlagView[] }>(`/flags/${segment(key)}/history`)).body;
      out.result(history, () =>
        markdownTable(
          ['version', 'state', 'updated', 'by', 'reason'],
          history.items.map((flag) => [String(flag.version), text(flag.definition.state), flag.updatedAt, flag.updatedBy, flag.reason ?? '']),
        ),
      );
      return EXIT.ok;
    };
  },
};
