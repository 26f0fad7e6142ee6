/**
 * The flagd evaluator conformance suite (open-feature/flagd-testbed 3.9.0, vendored in
 * test/fixtures/flagd-testbed), run through an OpenFeature client backed by
 * ReleaseGateProvider, whose source serves the suite's testkit-flags.json.
 *
 * Excluded: @fractional-v1 and @fractional-v3. Those examples pin the bucketing of other
 * generations of the `fractional` operator; @openfeature/flagd-core 4.0.1 implements v2
 * ((hash × totalWeight) >> 32), which is what flagd serves today and what our ramps rely on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describeFeature, loadFeatureFromText, type StepTest } from '@amiceli/vitest-cucumber';
import { OpenFeature, type EvaluationContext, type EvaluationDetails, type FlagValue, type JsonValue } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlagSetDocument } from '../../lib/flags/flag-schema.js';
import { ReleaseGateProvider } from '../../flags/provider/release-gate-provider.js';
import { mergeOutlineExamples } from './gherkin-outlines.js';

const EXCLUDED_TAGS = ['fractional-v1', 'fractional-v3'];
const EVALUATOR = new URL('../fixtures/flagd-testbed/evaluator/', import.meta.url);
const testkit = JSON.parse(readFileSync(new URL('flags/testkit-flags.json', EVALUATOR), 'utf8')) as FlagSetDocument;

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const DOMAIN = 'flagd-conformance';
const ready = OpenFeature.setProviderAndWait(
  DOMAIN,
  new ReleaseGateProvider({ source: { fetch: () => Promise.resolve({ etag: '"testkit"', flagSet: testkit }) }, refreshIntervalMs: 0, logger: quiet }),
);
const client = OpenFeature.getClient(DOMAIN);

type FlagType = 'Boolean' | 'String' | 'Integer' | 'Float' | 'Object';

/** Gherkin cells are text; `\"` inside an object cell is an escaped quote. */
function typed(type: string, text: string): FlagValue {
  switch (type) {
    case 'Boolean':
      return text === 'true';
    case 'Integer':
      return Number.parseInt(text, 10);
    case 'Float':
      return Number.parseFloat(text);
    case 'Object':
      return JSON.parse(text.replace(/\\"/g, '"')) as JsonValue;
    case 'String':
      return text;
    default:
      throw new Error(`unknown type ${type}`);
  }
}

/** One scenario's state; "Given an evaluator" starts a new one. */
interface World {
  type?: FlagType;
  key?: string;
  fallback?: FlagValue;
  context: EvaluationContext;
  details?: EvaluationDetails<FlagValue>;
  failed: boolean;
}
let world: World = { context: {}, failed: false };

function evaluate(): Promise<EvaluationDetails<FlagValue>> {
  const { type, key, fallback, context } = world;
  if (key === undefined || fallback === undefined) throw new Error('no flag chosen');
  if (type === 'Boolean') return client.getBooleanDetails(key, fallback as boolean, context);
  if (type === 'String') return client.getStringDetails(key, fallback as string, context);
  if (type === 'Integer' || type === 'Float') return client.getNumberDetails(key, fallback as number, context);
  return client.getObjectDetails(key, fallback, context);
}

type Handler = (match: RegExpMatchArray, table: Record<string, string>[] | undefined) => Promise<void> | void;

/** The step library: every step text the evaluator suite uses, and what it does through the client. */
const STEPS: [RegExp, Handler][] = [
  [
    /^an evaluator$/,
    async () => {
      await ready;
      world = { context: {}, failed: false };
    },
  ],
  [
    /^a (Boolean|String|Integer|Float|Object)-flag with key "(.*)" and a fallback value "(.*)"$/,
    ([, type, key, fallback]) => {
      Object.assign(world, { type, key, fallback: typed(type!, fallback!) });
    },
  ],
  [
    /^a context containing a key "(.*)", with type "(.*)" and with value "(.*)"$/,
    ([, key, type, value]) => {
      world.context[key!] = typed(type!, value!);
    },
  ],
  [
    /^a context containing a targeting key with value "(.*)"$/,
    ([, value]) => {
      world.context.targetingKey = value!;
    },
  ],
  [
    /^a context containing a nested property with outer key "(.*)" and inner key "(.*)", with value "(.*)"$/,
    ([, outer, inner, value]) => {
      world.context[outer!] = { ...(world.context[outer!] as object), [inner!]: value! };
    },
  ],
  [
    /^the flag was evaluated with details$/,
    async () => {
      world.details = await evaluate();
    },
  ],
  [
    /^the resolved details value should be "(.*)"$/,
    ([, value]) => {
      expect(world.details?.value).toEqual(typed(world.type!, value!));
    },
  ],
  [
    /^the reason should be "(.*)"$/,
    ([, reason]) => {
      expect(world.details?.reason).toBe(reason);
    },
  ],
  [
    /^the error-code should be "(.*)"$/,
    ([, code]) => {
      expect(world.details?.errorCode).toBe(code);
    },
  ],
  [
    /^the resolved metadata should contain$/,
    (_, table) => {
      expect(table?.length).toBeGreaterThan(0);
      for (const row of table ?? []) expect(world.details?.flagMetadata[row.key!]).toEqual(typed(row.metadata_type!, row.value!));
    },
  ],
  [
    /^the resolved metadata is empty$/,
    () => {
      expect(world.details?.flagMetadata).toEqual({});
    },
  ],
];

const tally = { scenarios: 0, examples: 0, passedScenarios: 0, passedExamples: 0, excludedScenarios: 0, excludedExamples: 0, expectedScenarios: 0, expectedExamples: 0 };

/** Runs one step text (placeholders already filled) and records whether the scenario still holds. */
async function runStep(text: string, params: unknown[], last: boolean, outline: boolean): Promise<void> {
  const found = STEPS.map(([pattern, handler]) => [text.match(pattern), handler] as const).find(([match]) => match !== null);
  if (found === undefined) throw new Error(`no step definition for "${text}"`);
  const table = params.find((param): param is Record<string, string>[] => Array.isArray(param));
  try {
    await found[1](found[0]!, table);
  } catch (error) {
    world.failed = true;
    throw error;
  }
  if (last && !world.failed) tally[outline ? 'passedExamples' : 'passedScenarios'] += 1;
}

type Registrar = Pick<StepTest, 'Given' | 'When' | 'Then' | 'And' | 'But'>;
interface FeatureStep {
  readonly type: string;
  readonly details: string;
}

function register(steps: readonly FeatureStep[], registrar: Partial<Registrar>, options: { example?: Record<string, string>; countsAs?: 'scenario' | 'example' }): void {
  steps.forEach((step, index) => {
    const define = registrar[step.type as keyof Registrar];
    if (define === undefined) throw new Error(`unexpected ${step.type} step "${step.details}"`);
    const filled = Object.entries(options.example ?? {}).reduce((text, [name, value]) => text.replaceAll(`<${name}>`, value), step.details);
    const last = options.countsAs !== undefined && index === steps.length - 1;
    define(step.details, (_ctx: unknown, ...params: unknown[]) => runStep(filled, params, last, options.countsAs === 'example'));
  });
}

const features = readdirSync(new URL('gherkin/', EVALUATOR))
  .filter((file) => file.endsWith('.feature'))
  .sort();

for (const file of features) {
  const merged = mergeOutlineExamples(readFileSync(new URL(`gherkin/${file}`, EVALUATOR), 'utf8'), EXCLUDED_TAGS);
  const feature = loadFeatureFromText(merged.text);
  if (feature.rules.length > 0) throw new Error(`${file}: Rules are not supported by this runner`);
  const featureExcluded = [...feature.tags].some((tag) => EXCLUDED_TAGS.includes(tag));
  for (const rows of merged.outlines) tally.excludedExamples += rows.excluded;

  describeFeature(
    feature,
    ({ Background, Scenario, ScenarioOutline }) => {
      const background = feature.background;
      if (background !== null) Background((registrar) => register(background.steps, registrar, {}));
      for (const scenario of feature.scenarii) {
        const excluded = featureExcluded || [...scenario.tags].some((tag) => EXCLUDED_TAGS.includes(tag));
        const examples = 'examples' in scenario ? (scenario.examples as Record<string, string>[]) : undefined;
        if (examples === undefined) {
          if (excluded) tally.excludedScenarios += 1;
          else tally.expectedScenarios += 1;
          Scenario(scenario.description, (registrar) => register(scenario.steps, registrar, { countsAs: 'scenario' }));
        } else {
          if (excluded) tally.excludedExamples += examples.length;
          else tally.expectedExamples += examples.length;
          ScenarioOutline(scenario.description, (registrar, example) => register(scenario.steps, registrar, { example: example, countsAs: 'example' }));
        }
      }
    },
    { excludeTags: EXCLUDED_TAGS },
  );
}

describe('flagd conformance totals', () => {
  afterAll(() => {
    console.info(
      `flagd evaluator conformance: ${tally.passedScenarios}/${tally.expectedScenarios} scenarios and ${tally.passedExamples}/${tally.expectedExamples} outline examples passed; ` +
        `excluded (${EXCLUDED_TAGS.map((tag) => `@${tag}`).join(', ')}): ${tally.excludedScenarios} scenarios, ${tally.excludedExamples} outline examples`,
    );
  });

  it('ran every scenario and outline example that is not excluded, and they all passed', () => {
    expect(tally.expectedScenarios + tally.expectedExamples).toBeGreaterThan(0);
    expect(tally.passedScenarios).toBe(tally.expectedScenarios);
    expect(tally.passedExamples).toBe(tally.expectedExamples);
  });

  it('dropped only the excluded fractional generations from multi-table outlines', () => {
    const sample = [
      'Feature: f',
      '  Scenario Outline: o',
      '    Given <a>',
      '    @fractional-v1',
      '    Examples: v1',
      '      | a |',
      '      | 1 |',
      '    @fractional-v2',
      '    Examples: v2',
      '      | a |',
      '      | 2 |',
      '      | 3 |',
      '  @keep',
      '  Scenario: s',
      '    Given x',
    ].join('\n');
    const merged = mergeOutlineExamples(sample, EXCLUDED_TAGS);
    expect(merged.outlines).toEqual([{ outline: 'o', kept: 2, excluded: 1 }]);
    const parsed = loadFeatureFromText(merged.text);
    expect(parsed.scenarii.map((scenario) => [scenario.description, [...scenario.tags], 'examples' in scenario ? scenario.examples : undefined])).toEqual([
      ['o', [], [{ a: '2' }, { a: '3' }]],
      ['s', ['keep'], undefined],
    ]);
  });
});
