/**
 * Flag evaluation cost: a generated 50-flag set (cohort ramps, fractional splits, sem_ver and
 * string rules), evaluated with the same contexts through the OpenFeature client and
 * ReleaseGateProvider, and directly with FlagdCore. Also the cost of one provider refresh.
 * Writes bench/results/flags.md when run alone (`npx tsx bench/flags.ts`).
 */
import { FlagdCore } from '@openfeature/flagd-core';
import { InMemoryProvider, OpenFeature, type EvaluationContext, type JsonValue } from '@openfeature/server-sdk';
import { markdownTable } from '../lib/cli/table.js';
import { parseFlagSet, type FlagDefinition, type FlagSetDocument } from '../lib/flags/flag-schema.js';
import { applyRamp } from '../lib/flags/ramp.js';
import { ReleaseGateProvider } from '../flags/provider/release-gate-provider.js';
import { publish } from './report.js';

const FLAGS = 50;
const CONTEXTS = 1_000;
const EVALUATIONS_PER_ROUND = 30_000;
const ROUNDS = 7;
const REFRESH_ROUNDS = 30;

type Kind = 'boolean' | 'string' | 'number' | 'object';
interface Probe {
  readonly key: string;
  readonly kind: Kind;
  readonly fallback: JsonValue;
}

const evaluators = {
  beta: { in: [{ var: 'email' }, Array.from({ length: 50 }, (_, index) => `user${index * 7}@example.com`)] },
  internal: { ends_with: [{ var: 'email' }, '@corp.example'] },
  'new-app': { sem_ver: [{ var: 'appVersion' }, '>=', '2.0.0'] },
};

/** A set like a product team's: a third ramped booleans, the rest rules and splits over every type. */
function generatedSet(revision = 0): FlagSetDocument {
  const flags: Record<string, FlagDefinition> = {};
  for (let index = 0; index < FLAGS; index++) {
    const key = `flag-${String(index).padStart(2, '0')}`;
    switch (index % 5) {
      case 0:
      case 1: {
        let flag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
        flag = applyRamp(key, flag, { cohort: 'beta', percent: (index * 7 + revision) % 100 });
        flag = applyRamp(key, flag, { cohort: 'internal', percent: 50 });
        flags[key] = flag;
        break;
      }
      case 2:
        flags[key] = {
          state: 'ENABLED',
          variants: { a: 'control', b: 'treatment', c: 'holdout' },
          defaultVariant: 'a',
          targeting: { fractional: [['a', 45], ['b', 45], ['c', 10]] },
        };
        break;
      case 3:
        flags[key] = {
          state: 'ENABLED',
          variants: { small: 10, medium: 25, large: 100 },
          defaultVariant: 'medium',
          targeting: { if: [{ $ref: 'new-app' }, 'large', { starts_with: [{ var: 'plan' }, 'free'] }, 'small', null] },
        };
        break;
      default:
        flags[key] = {
          state: index % 10 === 9 ? 'DISABLED' : 'ENABLED',
          variants: { plain: { theme: 'light', columns: 2 }, rich: { theme: 'dark', columns: 3, beta: true } },
          defaultVariant: 'plain',
          targeting: { if: [{ '==': [{ var: 'plan' }, 'enterprise'] }, 'rich', null] },
        };
    }
  }
  return { flags, $evaluators: evaluators };
}

const probes: Probe[] = Array.from({ length: FLAGS }, (_, index) => {
  const key = `flag-${String(index).padStart(2, '0')}`;
  const kind: Kind = (['boolean', 'boolean', 'string', 'number', 'object'] as const)[index % 5]!;
  const fallback = { boolean: false, string: 'fallback', number: 0, object: {} }[kind];
  return { key, kind, fallback };
});

const contexts: EvaluationContext[] = Array.from({ length: CONTEXTS }, (_, index) => ({
  targetingKey: `user-${index}`,
  email: index % 4 === 0 ? `staff${index}@corp.example` : `user${index}@example.com`,
  plan: ['free', 'free-trial', 'pro', 'enterprise'][index % 4]!,
  appVersion: `${1 + (index % 3)}.${index % 10}.0`,
}));

function directRound(core: FlagdCore): number {
  let served = 0;
  for (let index = 0; index < EVALUATIONS_PER_ROUND; index++) {
    const probe = probes[index % FLAGS]!;
    const context = contexts[index % CONTEXTS]!;
    const result =
      probe.kind === 'boolean'
        ? core.resolveBooleanEvaluation(probe.key, probe.fallback as boolean, context)
        : probe.kind === 'string'
          ? core.resolveStringEvaluation(probe.key, probe.fallback as string, context)
          : probe.kind === 'number'
            ? core.resolveNumberEvaluation(probe.key, probe.fallback as number, context)
            : core.resolveObjectEvaluation(probe.key, probe.fallback, context);
    if (result.value !== undefined) served++;
  }
  return served;
}

/** The provider's own methods, awaited, without the SDK around them: what the provider itself costs. */
async function providerRound(provider: ReleaseGateProvider): Promise<number> {
  let served = 0;
  for (let index = 0; index < EVALUATIONS_PER_ROUND; index++) {
    const probe = probes[index % FLAGS]!;
    const context = contexts[index % CONTEXTS]!;
    const result =
      probe.kind === 'boolean'
        ? await provider.resolveBooleanEvaluation(probe.key, probe.fallback as boolean, context, quiet)
        : probe.kind === 'string'
          ? await provider.resolveStringEvaluation(probe.key, probe.fallback as string, context, quiet)
          : probe.kind === 'number'
            ? await provider.resolveNumberEvaluation(probe.key, probe.fallback as number, context, quiet)
            : await provider.resolveObjectEvaluation(probe.key, probe.fallback, context, quiet);
    if (result.value !== undefined) served++;
  }
  return served;
}

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** The SDK's own InMemoryProvider over the same keys, serving default variants: the SDK's floor. */
function inMemoryProvider(set: FlagSetDocument): InMemoryProvider {
  const flags = Object.fromEntries(
    Object.entries(set.flags as Record<string, FlagDefinition>).map(([key, flag]) => [key, { variants: flag.variants, defaultVariant: flag.defaultVariant!, disabled: flag.state === 'DISABLED' }]),
  );
  return new InMemoryProvider(flags);
}

async function clientRound(client: ReturnType<typeof OpenFeature.getClient>): Promise<number> {
  let served = 0;
  for (let index = 0; index < EVALUATIONS_PER_ROUND; index++) {
    const probe = probes[index % FLAGS]!;
    const context = contexts[index % CONTEXTS]!;
    const value =
      probe.kind === 'boolean'
        ? await client.getBooleanValue(probe.key, probe.fallback as boolean, context)
        : probe.kind === 'string'
          ? await client.getStringValue(probe.key, probe.fallback as string, context)
          : probe.kind === 'number'
            ? await client.getNumberValue(probe.key, probe.fallback as number, context)
            : await client.getObjectValue(probe.key, probe.fallback, context);
    if (value !== undefined) served++;
  }
  return served;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function timed(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const perSecond = (ms: number) => (EVALUATIONS_PER_ROUND / ms) * 1000;
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const millis = (value: number) => `${value.toFixed(2)} ms`;

export async function runFlagsBenchmark(): Promise<string> {
  const set = generatedSet();
  const body = JSON.stringify(set);
  const core = new FlagdCore();
  core.setConfigurations(body);

  let revision = 0;
  // Each fetch hands over a new revision as parsed JSON, as the HTTP source's response.json() would.
  const bodies = [body, JSON.stringify(generatedSet(1))];
  const provider = new ReleaseGateProvider({
    source: { fetch: () => Promise.resolve({ etag: `"${++revision}"`, flagSet: JSON.parse(bodies[revision % 2]!) as FlagSetDocument }) },
    refreshIntervalMs: 0,
  });
  await OpenFeature.setProviderAndWait('bench-flags', provider);
  const client = OpenFeature.getClient('bench-flags');

  await OpenFeature.setProviderAndWait('bench-in-memory', inMemoryProvider(set));
  const inMemoryClient = OpenFeature.getClient('bench-in-memory');

  // Warm-up: let V8 optimise every path before anything is timed.
  for (let round = 0; round < 2; round++) {
    directRound(core);
    await providerRound(provider);
    await clientRound(client);
    await clientRound(inMemoryClient);
  }
  const direct: number[] = [];
  const providerOnly: number[] = [];
  const viaClient: number[] = [];
  const sdkFloor: number[] = [];
  // Rounds alternate, so drift in the machine's speed hits every path alike.
  for (let round = 0; round < ROUNDS; round++) {
    direct.push(perSecond(await timed(() => directRound(core))));
    providerOnly.push(perSecond(await timed(() => providerRound(provider))));
    viaClient.push(perSecond(await timed(() => clientRound(client))));
    sdkFloor.push(perSecond(await timed(() => clientRound(inMemoryClient))));
  }

  const refreshes: number[] = [];
  const strict: number[] = [];
  for (let round = 0; round < REFRESH_ROUNDS; round++) {
    refreshes.push(await timed(() => provider.refresh()));
    strict.push(await timed(() => parseFlagSet(JSON.parse(body))));
  }
  await OpenFeature.clearProviders();

  const ratio = median(viaClient) / median(direct);
  const row = (path: string, values: number[]) => [path, thousands(median(values)), thousands(Math.min(...values)), thousands(Math.max(...values)), `${(median(values) / median(direct)).toFixed(2)}×`];
  const throughput = markdownTable(
    ['path', 'median evaluations/s', 'min', 'max', 'vs direct'],
    [
      row('FlagdCore.resolve*Evaluation (direct)', direct),
      row('ReleaseGateProvider.resolve* (awaited, no SDK)', providerOnly),
      row('OpenFeature client → ReleaseGateProvider', viaClient),
      row('OpenFeature client → SDK InMemoryProvider (no targeting)', sdkFloor),
    ],
  );
  const refresh = markdownTable(
    ['step', 'median', 'max'],
    [
      ['provider refresh: fetch (in memory) + shape check + flagd-core parse + swap', millis(median(refreshes)), millis(Math.max(...refreshes))],
      ['strict write-side validation of the same set (parseFlagSet)', millis(median(strict)), millis(Math.max(...strict))],
    ],
  );
  return [
    '# Flag evaluation',
    '',
    `${FLAGS} generated flags (${FLAGS / 5 * 2} booleans ramped in two cohorts, fractional splits, sem_ver and string rules, objects; ${Math.floor(FLAGS / 10)} disabled), ` +
      `${CONTEXTS.toLocaleString('en-US')} contexts, ${EVALUATIONS_PER_ROUND.toLocaleString('en-US')} evaluations per round, ${ROUNDS} timed rounds after 2 warm-up rounds. ` +
      `Node ${process.version}.`,
    '',
    throughput,
    '',
    `Client path / direct: **${ratio.toFixed(2)}×** (target ≥ 0.5×). ` +
      `The provider itself runs at ${(median(providerOnly) / median(direct)).toFixed(2)}× of direct flagd-core; the rest is the SDK's per-call work ` +
      `(context merging, hook plumbing, freezing, several promise hops in its ES2015 build), which the SDK's own InMemoryProvider pays too: ` +
      `through the client, ReleaseGateProvider runs at ${(median(viaClient) / median(sdkFloor)).toFixed(2)}× of InMemoryProvider, which does no targeting at all.`,
    '',
    `Refresh of the ${(body.length / 1024).toFixed(1)} KiB set, ${REFRESH_ROUNDS} rounds:`,
    '',
    refresh,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  publish('flags.md', await runFlagsBenchmark());
}
