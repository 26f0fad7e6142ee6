/**
 * Seeds an empty flag store from the repository's flagd files (`flags/*.json`) at local start.
 * Every file is validated before anything is written; a store that already has flags is left alone.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Issue } from '../core/errors.js';
import { sameJson } from '../core/canonical-json.js';
import { FlagValidationError } from './errors.js';
import type { FlagService } from './flag-service.js';
import { parseFlagSet, type FlagDefinition, type JsonRule } from './flag-schema.js';

export const DEFAULT_FLAGS_DIRECTORY = fileURLToPath(new URL('../../flags/', import.meta.url));

export interface LoadFlagFilesOptions {
  /** @default the repository's flags/ folder */
  readonly directory?: string | undefined;
  /** @default 'flag-files' */
  readonly actor?: string | undefined;
}

export type LoadFlagFilesResult =
  | { readonly loaded: false; readonly reason: string }
  | { readonly loaded: true; readonly files: string[]; readonly flags: string[]; readonly cohorts: string[] };

export async function loadFlagFiles(service: FlagService, options: LoadFlagFilesOptions = {}): Promise<LoadFlagFilesResult> {
  const existing = await service.getFlagSet();
  if (Object.keys(existing.flagSet.flags).length > 0) return { loaded: false, reason: 'the store already has flags' };

  const directory = options.directory ?? DEFAULT_FLAGS_DIRECTORY;
  const files = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
  if (files.length === 0) return { loaded: false, reason: `no *.json flag files in ${directory}` };

  const flags = new Map<string, { file: string; definition: FlagDefinition }>();
  const cohorts = new Map<string, { file: string; rule: JsonRule }>();
  const issues: Issue[] = [];
  for (const file of files) {
    const at = (issue: Issue): Issue => ({ path: `${file}:${issue.path}`, message: issue.message });
    let set;
    try {
      set = parseFlagSet(JSON.parse(await readFile(join(directory, file), 'utf8')));
    } catch (error) {
      if (error instanceof FlagValidationError) issues.push(...error.issues.map(at));
      else if (error instanceof SyntaxError) issues.push(at({ path: '(root)', message: `not JSON: ${error.message}` }));
      else throw error;
      continue;
    }
    for (const [name, rule] of Object.entries(set.$evaluators ?? {})) {
      const seen = cohorts.get(name);
      if (seen && !sameJson(seen.rule, rule)) issues.push(at({ path: `$evaluators.${name}`, message: `also defined differently in ${seen.file}` }));
      else cohorts.set(name, { file, rule });
    }
    for (const [key, definition] of Object.entries(set.flags)) {
      const seen = flags.get(key);
      if (seen) issues.push(at({ path: `flags.${key}`, message: `also defined in ${seen.file}` }));
      // The store keeps no set-level metadata; flagd merges it into each flag, so do that here.
      else flags.set(key, { file, definition: set.metadata === undefined ? definition : { ...definition, metadata: { ...set.metadata, ...definition.metadata } } });
    }
  }
  if (issues.length > 0) throw new FlagValidationError(issues);

  const actor = options.actor ?? 'flag-files';
  for (const [name, { file, rule }] of cohorts) await service.putCohort({ name, rule, expectedVersion: null, actor, reason: `loaded from flags/${file}` });
  for (const [key, { file, definition }] of flags) await service.putFlag({ key, definition, expectedVersion: null, actor, reason: `loaded from flags/${file}` });
  return { loaded: true, files, flags: [...flags.keys()], cohorts: [...cohorts.keys()] };
}
