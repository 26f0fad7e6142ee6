/**
 * What a release asks of synthetic evidence and what each run of it records: the opt-in's schema
 * and the hook-run and probe-tick records. A leaf: the release record and its events name these.
 */
import * as z from 'zod';
import { InputError } from './errors.js';
import { issuesFromZod } from './issues.js';

export const MAX_PROBE_EVENTS = 20;
export const MAX_PROBE_EVENT_BYTES = 8 * 1024;
export const MAX_PAIRS_PER_TICK = 100;
export const DEFAULT_PAIRS_PER_TICK = 10;
/** Probe ticks a release record keeps one by one; older ones are folded into the first (see appendProbeTick). */
export const PROBE_TICKS_KEPT = 200;

/** Lambda's own FunctionName forms without a qualifier: a name, or a function ARN in any partition. */
export const HOOK_FUNCTION = /^(arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/;

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/** The release record keeps its probe events, and DynamoDB nests documents at most 32 deep, the record's own levels included. */
export const MAX_PROBE_EVENT_DEPTH = 16;
/** DynamoDB's numbers: magnitudes from 1e-130 to below 1e126. */
const storable = (value: number) => value === 0 || (Math.abs(value) < 1e126 && Math.abs(value) >= 1e-130);

/** What keeps a JSON value from being stored as a probe event, if anything. */
function unstorable(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_PROBE_EVENT_DEPTH) return `nested at most ${MAX_PROBE_EVENT_DEPTH} levels deep`;
  if (typeof value === 'number') return storable(value) ? undefined : `the number ${value} is outside what DynamoDB stores (1e-130 to 1e126)`;
  if (value === null || typeof value !== 'object') return undefined;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    const problem = unstorable(child, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

const ProbeEventSchema = z.unknown().superRefine((event, context) => {
  const text = JSON.stringify(event) as string | undefined;
  if (text === undefined) context.addIssue({ code: 'custom', message: 'expected a JSON value' });
  else if (byteLength(text) > MAX_PROBE_EVENT_BYTES) context.addIssue({ code: 'custom', message: `at most ${MAX_PROBE_EVENT_BYTES} bytes as JSON, got ${byteLength(text)}` });
  else {
    const problem = unstorable(JSON.parse(text));
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  }
});

export const SyntheticSchema = z
  .strictObject({
    /** A test function invoked around the release, as CodeDeploy's BeforeAllowTraffic and AfterAllowTraffic hooks are. */
    hooks: z
      .strictObject({
        function: z.string().regex(HOOK_FUNCTION, 'expected a Lambda function name or function ARN, without a qualifier'),
        before: z.boolean().default(true),
        after: z.boolean().default(true),
      })
      .optional(),
    /** Events sent to both versions each tick; the probe errors are judged like real traffic's. */
    probes: z
      .strictObject({
        events: z.array(ProbeEventSchema).min(1, 'at least one probe event').max(MAX_PROBE_EVENTS),
        pairsPerTick: z.number().int().min(1).max(MAX_PAIRS_PER_TICK).default(DEFAULT_PAIRS_PER_TICK),
      })
      .optional(),
  })
  .refine((synthetic) => synthetic.hooks !== undefined || synthetic.probes !== undefined, { message: 'name hooks, probes or both' });

export type SyntheticConfig = z.infer<typeof SyntheticSchema>;
export type SyntheticInput = z.input<typeof SyntheticSchema>;

/** Validates a release's opt-in and fills defaults; throws InputError with paths under `synthetic`. */
export function parseSynthetic(input: unknown): SyntheticConfig | undefined {
  if (input === undefined) return undefined;
  const parsed = SyntheticSchema.safeParse(input);
  if (!parsed.success) throw new InputError(issuesFromZod(parsed.error, ['synthetic']));
  return parsed.data;
}

export type HookPhase = 'before' | 'after';

/** One run of a lifecycle hook. */
export interface HookRun {
  readonly phase: HookPhase;
  readonly function: string;
  readonly at: string;
  readonly outcome: 'pass' | 'fail';
  readonly durationMs: number;
  /** The function error, the status the hook answered, or why it could not be invoked. */
  readonly detail?: string | undefined;
}

/** One tick's paired probes: `pairs` sent, totals those answered (a throttled pair is left out). */
export interface ProbeTick {
  readonly at: string;
  readonly pairs: number;
  readonly canaryTotal: number;
  readonly canaryErrors: number;
  readonly baselineTotal: number;
  readonly baselineErrors: number;
}
