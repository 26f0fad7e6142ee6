#!/usr/bin/env node
/**
 * The policy simulator: runs a plan and a policy against seeded synthetic traffic so a team can
 * see what a gate would do before trusting it. `npm run simulate -- --help` lists the options.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PlanError } from '../core/errors.js';
import { percent, plural } from '../core/format.js';
import { DEFAULT_POLICY, parsePolicy } from '../core/policy.js';
import { DEFAULT_PRESET, isPresetName } from '../core/presets.js';
import { resolvePlan } from '../core/resolve-plan.js';
import { RISKS, type Risk } from '../core/risk.js';
import { describePreflight } from '../core/preflight.js';
import { SUMMARY_HEADER, summaryCells } from '../core/simulator/format.js';
import { coreGate } from '../core/simulator/gates.js';
import { runMany, runOnce } from '../core/simulator/run.js';
import { isScenarioName, SCENARIOS, scenarioWorld, type ScenarioName } from '../core/simulator/scenarios.js';
import type { Decision } from '../core/decision.js';
import { markdownTable } from './table.js';

const HELP = `Usage: npm run simulate -- [options]

Runs a release plan and policy against seeded synthetic Lambda traffic and prints what the gate did.

  --scenario NAME   healthy, bad (5× errors), subtle (2×), catastrophic (all fail), latency (3× slower),
                    or all; repeat or comma-separate (default: all)
  --runs N          seeded runs per scenario (default: 1000)
  --plan PLAN       a preset name or a JSON file with a plan (default: ${DEFAULT_PRESET})
  --risk CLASS      low, normal or high (default: normal)
  --policy FILE     a JSON file with a policy (default: the built-in default policy)
  --rpm N           requests per minute across both versions (default: 1000)
  --error-rate P    the stable version's error rate (default: 0.005)
  --degrade-from M  the new version turns bad from minute M (default: 0)
  --seed PREFIX     seeds are PREFIX-0, PREFIX-1, … (default: sim)
  --verify          keep judging through the verification window after 100%
  --json            machine-readable output
  --demo            one healthy and one bad release side by side, with the bad one's decisions
  --help            this text
`;

class UsageError extends Error {}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${what} from ${path}: ${(error as Error).message}`);
  }
}

function positiveNumber(text: string | undefined, flag: string, fallback: number, { integer = false, max = Number.POSITIVE_INFINITY } = {}): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects ${integer ? 'a whole number' : 'a number'} from 0 to ${max}, got '${text}'`);
  }
  return value;
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      scenario: { type: 'string', multiple: true },
      runs: { type: 'string' },
      plan: { type: 'string' },
      risk: { type: 'string' },
      policy: { type: 'string' },
      rpm: { type: 'string' },
      'error-rate': { type: 'string' },
      'degrade-from': { type: 'string' },
      seed: { type: 'string' },
      verify: { type: 'boolean' },
      json: { type: 'boolean' },
      demo: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const requested = (values.scenario ?? ['all']).flatMap((entry) => entry.split(',')).map((entry) => entry.trim());
  const scenarios: ScenarioName[] = values.demo ? ['healthy', 'bad'] : requested.includes('all') ? [...SCENARIOS] : [];
  if (!values.demo && !requested.includes('all')) {
    for (const name of requested) {
      if (!isScenarioName(name)) throw new UsageError(`unknown scenario '${name}'; expected one of ${SCENARIOS.join(', ')} or all`);
      scenarios.push(name);
    }
  }
  const risk = (values.risk ?? 'normal') as Risk;
  if (!RISKS.includes(risk)) throw new UsageError(`--risk expects one of ${RISKS.join(', ')}, got '${values.risk}'`);
  const planInput = values.plan === undefined || isPresetName(values.plan) ? values.plan : readJson(values.plan, 'the plan');
  const plan = resolvePlan(planInput, risk);
  const policy = values.policy === undefined ? DEFAULT_POLICY : parsePolicy(readJson(values.policy, 'the policy'));
  const runs = positiveNumber(values.runs, '--runs', values.demo ? 200 : 1000, { integer: true, max: 100_000 });
  if (runs === 0) throw new UsageError('--runs must be at least 1');
  const options = {
    requestsPerMinute: positiveNumber(values.rpm, '--rpm', 1000, { max: 10_000_000 }),
    baselineErrorRate: positiveNumber(values['error-rate'], '--error-rate', 0.005, { max: 1 }),
    degradeFromMinute: positiveNumber(values['degrade-from'], '--degrade-from', 0, { integer: true, max: 100_000 }),
  };
  const seedPrefix = values.seed ?? 'sim';
  const gate = coreGate(policy, { verify: values.verify === true });

  const summaries = scenarios.map((scenario) => {
    const { results, summary } = runMany({ plan, world: scenarioWorld(scenario, options), gate, runs, seedPrefix: `${seedPrefix}-${scenario}` });
    return { scenario, summary, preflight: results[0]?.preflight };
  });

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ plan, policy, options, runs, seedPrefix, summaries }, null, 2)}\n`);
    return 0;
  }
  const title = values.demo ? 'Release Gate policy simulator: a healthy and a bad release, side by side' : 'Release Gate policy simulator';
  process.stdout.write(`${title}\n`);
  process.stdout.write(
    `plan ${plan.preset ?? 'custom'} (${risk} risk), ${options.requestsPerMinute} requests/min, baseline error rate ${percent(options.baselineErrorRate)}, ${plural(runs, 'seeded run')} per scenario\n\n`,
  );
  const forecast = summaries[0]?.preflight;
  if (forecast) {
    process.stdout.write(`pre-flight: ${describePreflight(forecast)}\n`);
    for (const warning of forecast.warnings) process.stdout.write(`  warning (${warning.code}): ${warning.message}\n`);
    process.stdout.write('\n');
  }
  process.stdout.write(`${markdownTable(['scenario', ...SUMMARY_HEADER], summaries.map(({ scenario, summary }) => [scenario, ...summaryCells(summary)]))}\n`);
  if (values.demo) {
    const decisions: Decision[] = [];
    const result = runOnce({ plan, world: scenarioWorld('bad', options), gate: coreGate(policy, { onDecision: (decision) => decisions.push(decision) }), seed: `${seedPrefix}-bad-0` });
    process.stdout.write(`\nOne bad release (5× the baseline's error rate), decision by decision:\n`);
    for (const decision of decisions.filter((entry, index) => entry.action !== 'hold' || index === decisions.length - 1)) {
      const minute = (Date.parse(decision.at) / 60_000).toFixed(0).padStart(3);
      process.stdout.write(`  minute ${minute}  ${decision.action.padEnd(8)} ${decision.explanation}\n`);
    }
    process.stdout.write(`  → ${result.outcome}; the new version served ${plural(result.canaryRequests, 'request')} (${result.canaryFailures} failed) before the gate acted.\n`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof PlanError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`simulate: ${(error as Error).message}\nRun with --help for the options.\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
