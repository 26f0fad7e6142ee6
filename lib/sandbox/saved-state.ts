/**
 * The sandbox's aliases as saved between runs (`--persist DIR` keeps them in `DIR/sandbox.json`),
 * and the rules for putting them back when `sandbox.config.json` may have changed since:
 * - an alias whose entry in the config is unchanged gets its saved routing and RevisionId back;
 * - an alias the config now sets differently starts where the config says (the config was edited on purpose);
 * - an alias whose saved routing names a version the config no longer has starts where the config says;
 * - a function or alias the config no longer has is dropped;
 * - a version whose handler file changed keeps its number but runs the new code, with a notice.
 * Every case but the first is a notice; an active release on a reset alias then pauses on drift,
 * which is the gate's safe answer to an alias it did not set.
 */
import * as z from 'zod';
import type { SandboxConfig } from './config.js';
import { LambdaServiceError } from './errors.js';
import type { LambdaWorld } from './lambda-world.js';
import type { AliasState } from './lambda-shapes.js';

const weightsSchema = z.record(z.string(), z.number().min(0).max(1));

const savedAliasSchema = z.object({
  functionVersion: z.string(),
  weights: weightsSchema,
  description: z.string(),
  revisionId: z.string(),
  /** The alias's entry in the config when it was saved, to tell an edited config from a gate's promotion. */
  configured: z.object({ version: z.string(), routing: weightsSchema }),
});

export const savedSandboxSchema = z.object({
  format: z.literal(1),
  savedAt: z.string(),
  functions: z.record(
    z.string(),
    z.object({
      /** The CodeSha256 of each version's handler when it was saved. */
      versions: z.record(z.string(), z.object({ codeSha256: z.string() })),
      aliases: z.record(z.string(), savedAliasSchema),
    }),
  ),
});

export type SavedSandbox = z.infer<typeof savedSandboxSchema>;

export interface RestoredAliases {
  /** `checkout:live on version 1 with 10% on version 2`, one per alias put back. */
  readonly restored: readonly string[];
  /** What could not be put back, and what the sandbox did instead. */
  readonly notices: readonly string[];
}

export function captureState(world: LambdaWorld, config: SandboxConfig, now: number): SavedSandbox {
  const aliases = world.aliasStates();
  return {
    format: 1,
    savedAt: new Date(now).toISOString(),
    functions: Object.fromEntries(
      Object.entries(config.functions).map(([name, fn]) => [
        name,
        {
          versions: Object.fromEntries(Object.entries(fn.versions).map(([version, spec]) => [version, { codeSha256: spec.codeSha256 }])),
          aliases: Object.fromEntries(
            Object.entries(aliases[name] ?? {}).flatMap(([alias, state]) => {
              const spec = fn.aliases[alias];
              return spec ? [[alias, { ...state, configured: { version: spec.version, routing: spec.routing } }]] : [];
            }),
          ),
        },
      ]),
    ),
  };
}

/** `version 1`, or `version 1 with 10% on version 2`. */
export function routingText(version: string, weights: Readonly<Record<string, number>>): string {
  const extra = Object.entries(weights).filter(([, weight]) => weight > 0);
  return `version ${version}${extra.map(([other, weight]) => ` with ${Number((weight * 100).toFixed(4))}% on version ${other}`).join('')}`;
}

const sameWeights = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([version, weight]) => b[version] === weight);

const DRIFT = 'an active release on it pauses on drift, for a person to decide';

export function restoreState(world: LambdaWorld, config: SandboxConfig, saved: SavedSandbox): RestoredAliases {
  const restored: string[] = [];
  const notices: string[] = [];
  for (const [name, fn] of Object.entries(saved.functions)) {
    const configured = config.functions[name];
    if (!configured) {
      if (Object.keys(fn.aliases).length > 0) notices.push(`function ${name} is no longer in the sandbox config: its saved aliases are dropped`);
      continue;
    }
    for (const [version, { codeSha256 }] of Object.entries(fn.versions)) {
      const now = configured.versions[version]?.codeSha256;
      if (now !== undefined && now !== codeSha256) {
        notices.push(
          `${name} version ${version}: its handler file changed since the last run (CodeSha256 ${codeSha256} → ${now}); it runs the new code, but a Lambda version never changes: give changed code a new version number`,
        );
      }
    }
    for (const [alias, state] of Object.entries(fn.aliases)) {
      const spec = configured.aliases[alias];
      const was = routingText(state.functionVersion, state.weights);
      if (!spec) {
        notices.push(`${name}:${alias} is no longer in the sandbox config: its saved routing (${was}) is dropped`);
        continue;
      }
      const fromConfig = routingText(spec.version, spec.routing);
      if (spec.version !== state.configured.version || !sameWeights(spec.routing, state.configured.routing)) {
        notices.push(`the sandbox config now sets ${name}:${alias} to ${fromConfig} (it said ${routingText(state.configured.version, state.configured.routing)}): it starts there instead of on the saved ${was}; ${DRIFT}`);
        continue;
      }
      const missing = [state.functionVersion, ...Object.keys(state.weights)].filter((version) => !(version in configured.versions));
      if (missing.length > 0) {
        notices.push(`${name}:${alias} was on ${was}, but version ${missing.join(' and ')} is no longer in the sandbox config: it starts on ${fromConfig}, as the config says; ${DRIFT}`);
        continue;
      }
      const { configured: _configured, ...routing } = state;
      try {
        world.restoreAlias(name, alias, routing satisfies AliasState);
        restored.push(`${name}:${alias} on ${was}`);
      } catch (error) {
        if (!(error instanceof LambdaServiceError)) throw error;
        notices.push(`${name}:${alias} was on ${was}, which Lambda's rules no longer allow (${error.message}): it starts on ${fromConfig}, as the config says; ${DRIFT}`);
      }
    }
  }
  return { restored, notices };
}
