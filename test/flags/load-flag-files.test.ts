import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlagValidationError } from '../../lib/flags/errors.js';
import { FlagService } from '../../lib/flags/flag-service.js';
import { loadFlagFiles } from '../../lib/flags/load-flag-files.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';

const service = () => new FlagService(new MemoryFlagStore(), { now: () => Date.parse('2026-11-23T10:00:00.000Z') });

async function folder(files: Record<string, unknown>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'flag-files-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(directory, name), typeof content === 'string' ? content : JSON.stringify(content));
  return directory;
}

const flag = (defaultVariant = 'off') => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant });

describe('loadFlagFiles', () => {
  it('loads the repository’s demo file: new-checkout-flow, a string flag and the beta cohort', async () => {
    const flags = service();
    const result = await loadFlagFiles(flags);
    expect(result).toEqual({ loaded: true, files: ['checkout.flags.json'], flags: ['new-checkout-flow', 'checkout-button-text'], cohorts: ['beta', 'internal'] });
    const { flagSet } = await flags.getFlagSet();
    expect(Object.keys(flagSet.flags)).toEqual(['checkout-button-text', 'new-checkout-flow']);
    expect((await flags.getFlag('new-checkout-flow')).reason).toBe('loaded from flags/checkout.flags.json');
    expect(Object.keys(flagSet.$evaluators ?? {})).toEqual(['beta', 'internal']);
  });

  it('leaves a store that already has flags alone', async () => {
    const flags = service();
    await flags.putFlag({ key: 'existing', definition: flag(), actor: 'ana', reason: 'made by hand' });
    expect(await loadFlagFiles(flags, { directory: await folder({ 'a.json': { flags: { other: flag() } } }) })).toEqual({ loaded: false, reason: 'the store already has flags' });
    expect(Object.keys((await flags.getFlagSet()).flagSet.flags)).toEqual(['existing']);
  });

  it('merges a file’s set metadata into its flags, the flag’s own metadata winning', async () => {
    const flags = service();
    const directory = await folder({ 'a.json': { flags: { one: { ...flag(), metadata: { owner: 'me' } } }, metadata: { owner: 'team', flagSetId: 'a' } }, 'notes.txt': 'ignored' });
    await loadFlagFiles(flags, { directory });
    expect((await flags.getFlag('one')).definition.metadata).toEqual({ owner: 'me', flagSetId: 'a' });
  });

  it('validates every file before writing anything, naming the file and the path', async () => {
    const flags = service();
    const directory = await folder({
      'a.json': { flags: { one: flag('maybe') }, $evaluators: { beta: { '==': [1, 1] } } },
      'b.json': { flags: { one: flag(), two: { ...flag(), targeting: { if: [{ $ref: 'gamma' }, 'on', null] } } }, $evaluators: { beta: { '==': [2, 2] } } },
      'c.json': '{ not json',
    });
    const error = await loadFlagFiles(flags, { directory }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FlagValidationError);
    expect((error as FlagValidationError).issues).toEqual([
      { path: 'a.json:flags.one.defaultVariant', message: "'maybe' is not one of the variants (on, off)" },
      { path: 'b.json:flags.two.targeting.if[0].$ref', message: "'gamma' is not a defined evaluator (known: beta)" },
      { path: 'c.json:(root)', message: expect.stringContaining('not JSON') as string },
    ]);
    expect((await flags.getFlagSet()).version).toBe(0);
  });

  it('refuses the same flag in two files, or one cohort defined two ways', async () => {
    const directory = await folder({
      'a.json': { flags: { one: flag() }, $evaluators: { beta: { '==': [1, 1] } } },
      'b.json': { flags: { one: flag('on') }, $evaluators: { beta: { '==': [2, 2] } } },
    });
    const error = (await loadFlagFiles(service(), { directory }).catch((caught: unknown) => caught)) as FlagValidationError;
    expect(error.issues).toEqual([
      { path: 'b.json:$evaluators.beta', message: 'also defined differently in a.json' },
      { path: 'b.json:flags.one', message: 'also defined in a.json' },
    ]);
  });
});
