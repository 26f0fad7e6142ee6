/**
 * Strict schemas for flagd flag definitions and flag sets (https://flagd.dev/schema/v0/flags.json),
 * used for every write: the API, the store and the flag files. Evaluation stays lenient like flagd
 * (a bad targeting rule is a PARSE_ERROR for that flag alone); writes are refused up front.
 */
import { FeatureFlag } from '@openfeature/flagd-core';
import { ErrorCode, type Logger } from '@openfeature/core';
import * as z from 'zod';
import type { Issue } from '../core/errors.js';
import { formatPath } from '../core/issues.js';
import { COHORT_NAME, FLAG_KEY } from '../core/plan.js';
import { FlagValidationError } from './errors.js';

export { COHORT_NAME, FLAG_KEY };

const KEY_HINT = 'letters, digits, _ . - (starting with a letter or digit)';

export const MetadataSchema = z.record(
  z.string().min(1, 'metadata keys must not be empty'),
  z.union([z.string(), z.number(), z.boolean()], { error: 'metadata values must be strings, numbers or booleans' }),
);

const NumberVariant = z
  .number()
  .refine(Number.isFinite, 'numbers must be finite')
  .refine((value) => !Number.isInteger(value) || Number.isSafeInteger(value), 'integers must be within ±2^53-1');
const ObjectVariant = z.record(z.string(), z.json());
const VariantValue = z.union([z.boolean(), z.string(), NumberVariant, ObjectVariant], {
  error: 'a variant is a boolean, string, number or object',
});

type VariantKind = 'boolean' | 'string' | 'number' | 'object';
const kindOf = (value: unknown): VariantKind => (typeof value === 'object' ? 'object' : (typeof value as VariantKind));

export const VariantsSchema = z
  .record(z.string().min(1, 'variant names must not be empty'), VariantValue)
  .superRefine((variants, ctx) => {
    const entries = Object.entries(variants);
    if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'a flag needs at least one variant' });
    const [firstName, firstValue] = entries[0] ?? [];
    for (const [name, value] of entries.slice(1)) {
      if (kindOf(value) !== kindOf(firstValue)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `variants must all have one type: '${name}' is a ${kindOf(value)}, '${firstName}' a ${kindOf(firstValue)}` });
      }
    }
  });

/** A JsonLogic rule: one operator object, such as `{"in": [...]}`. */
export const RuleSchema = z.record(z.string(), z.json()).superRefine((rule, ctx) => {
  if (Object.keys(rule).length !== 1) ctx.addIssue({ code: 'custom', message: 'a JsonLogic rule is an object with exactly one operator' });
});

/** Targeting is a JsonLogic rule, or `{}` for none. */
export const TargetingSchema = z.record(z.string(), z.json()).superRefine((rule, ctx) => {
  if (Object.keys(rule).length > 1) ctx.addIssue({ code: 'custom', message: 'targeting is an object with exactly one JsonLogic operator, or {}' });
  for (const issue of fractionalIssues(rule, [])) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

export const FlagDefinitionSchema = z
  .strictObject({
    state: z.enum(['ENABLED', 'DISABLED']),
    variants: VariantsSchema,
    /** null or absent: targeting misses fall back to the caller's default value. */
    defaultVariant: z.string().min(1).nullable().optional(),
    targeting: TargetingSchema.optional(),
    metadata: MetadataSchema.optional(),
  })
  .superRefine((flag, ctx) => {
    if (typeof flag.defaultVariant === 'string' && !Object.hasOwn(flag.variants, flag.defaultVariant)) {
      ctx.addIssue({ code: 'custom', path: ['defaultVariant'], message: `'${flag.defaultVariant}' is not one of the variants (${Object.keys(flag.variants).join(', ')})` });
    }
  });

export const FlagSetSchema = z.strictObject({
  $schema: z.string().optional(),
  flags: z.record(z.string().regex(FLAG_KEY, `flag keys use ${KEY_HINT}`), FlagDefinitionSchema),
  $evaluators: z.record(z.string().regex(COHORT_NAME, `evaluator names use ${KEY_HINT}`), RuleSchema).optional(),
  metadata: MetadataSchema.optional(),
});

export type FlagDefinition = z.infer<typeof FlagDefinitionSchema>;
export type FlagSet = z.infer<typeof FlagSetSchema>;
export type JsonRule = z.infer<typeof RuleSchema>;
export type Evaluators = Readonly<Record<string, JsonRule>>;

/** A flagd flag set as it travels between the gate, the provider and OFREP (validated or not). */
export interface FlagSetDocument {
  readonly flags: Readonly<Record<string, unknown>>;
  readonly $evaluators?: Readonly<Record<string, unknown>> | undefined;
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

/** Zod issues with the paths the API reports: `flags.new-checkout.defaultVariant`. */
function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[]): Issue[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    // A bad record key says only "Invalid key in record"; the key's own rule says why.
    message: issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message,
  }));
}

/**
 * Validates one flag for writing: the flagd schema, `$ref`s to known evaluators only, targeting
 * that names only its own variants, and a rule flagd-core can compile. Throws FlagValidationError
 * with every issue.
 */
export function parseFlagDefinition(key: string, input: unknown, evaluators: Evaluators): FlagDefinition {
  const prefix = ['flags', key];
  const issues: Issue[] = [];
  if (!FLAG_KEY.test(key)) issues.push({ path: formatPath(prefix), message: `flag keys use ${KEY_HINT}` });
  const parsed = FlagDefinitionSchema.safeParse(input);
  if (!parsed.success) throw new FlagValidationError([...issues, ...issuesOf(parsed.error, prefix)]);
  issues.push(...refIssues(parsed.data.targeting ?? {}, new Set(Object.keys(evaluators)), [...prefix, 'targeting']));
  issues.push(...outcomeIssues(parsed.data, evaluators, [...prefix, 'targeting']));
  if (issues.length === 0) issues.push(...compileIssues(key, parsed.data, evaluators, [...prefix, 'targeting']));
  if (issues.length > 0) throw new FlagValidationError(issues);
  return parsed.data;
}

/** Validates a cohort's rule, which must not lean on other evaluators (flagd inlines each `$ref` once). */
export function parseCohortRule(name: string, input: unknown): JsonRule {
  const prefix = ['$evaluators', name];
  const issues: Issue[] = [];
  if (!COHORT_NAME.test(name)) issues.push({ path: formatPath(prefix), message: `cohort names use ${KEY_HINT}` });
  const parsed = RuleSchema.safeParse(input);
  if (!parsed.success) throw new FlagValidationError([...issues, ...issuesOf(parsed.error, prefix)]);
  issues.push(...nestedRefIssues(parsed.data, prefix));
  if (issues.length === 0) issues.push(...compileIssues(`cohort:${name}`, { state: 'ENABLED', variants: { in: true }, targeting: parsed.data }, {}, prefix));
  if (issues.length > 0) throw new FlagValidationError(issues);
  return parsed.data;
}

/** The document's outline; each flag and evaluator is then checked on its own, so all issues surface at once. */
const FlagSetOutline = z.object({
  $schema: z.string().optional(),
  flags: z.record(z.string(), z.unknown()),
  $evaluators: z.record(z.string(), z.unknown()).optional(),
  metadata: MetadataSchema.optional(),
});
const SET_FIELDS = new Set(['$schema', 'flags', '$evaluators', 'metadata']);

/** Validates a whole flagd file or document; every flag is checked against the set's own evaluators. */
export function parseFlagSet(input: unknown): FlagSet {
  const outline = FlagSetOutline.safeParse(input);
  if (!outline.success) throw new FlagValidationError(issuesOf(outline.error, []));
  const issues: Issue[] = Object.keys(input as object)
    .filter((key) => !SET_FIELDS.has(key))
    .map((key) => ({ path: '(root)', message: `Unrecognized key: "${key}"` }));
  const evaluators: Record<string, JsonRule> = {};
  for (const [name, rule] of Object.entries(outline.data.$evaluators ?? {})) {
    const parsed = collect(() => parseCohortRule(name, rule));
    if (Array.isArray(parsed)) issues.push(...parsed);
    else evaluators[name] = parsed;
  }
  const flags: Record<string, FlagDefinition> = {};
  for (const [key, flag] of Object.entries(outline.data.flags)) {
    const parsed = collect(() => parseFlagDefinition(key, flag, evaluators));
    if (Array.isArray(parsed)) issues.push(...parsed);
    else flags[key] = parsed;
  }
  if (issues.length > 0) throw new FlagValidationError(issues);
  const { $schema, $evaluators, metadata } = outline.data;
  return { ...($schema === undefined ? {} : { $schema }), flags, ...($evaluators === undefined ? {} : { $evaluators: evaluators }), ...(metadata === undefined ? {} : { metadata }) };
}

/** The value, or the issues of the FlagValidationError it threw. */
function collect<T extends object>(run: () => T): T | Issue[] {
  try {
    return run();
  } catch (error) {
    if (error instanceof FlagValidationError) return [...error.issues];
    throw error;
  }
}

type Json = z.infer<ReturnType<typeof z.json>>;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Visits every object in a JsonLogic tree with its path. */
function walk(node: unknown, path: PropertyKey[], visit: (object: Record<string, unknown>, path: PropertyKey[]) => void): void {
  if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index], visit));
  else if (isObject(node)) {
    visit(node, path);
    for (const [key, value] of Object.entries(node)) walk(value, [...path, key], visit);
  }
}

/** `$ref` must stand alone (`{"$ref": "beta"}`) and name a defined evaluator. */
function refIssues(targeting: Json, evaluators: ReadonlySet<string>, prefix: PropertyKey[]): Issue[] {
  const issues: Issue[] = [];
  walk(targeting, prefix, (object, path) => {
    if (!Object.hasOwn(object, '$ref')) return;
    const ref = object.$ref;
    if (Object.keys(object).length !== 1 || typeof ref !== 'string') {
      issues.push({ path: formatPath(path), message: 'a reference is exactly {"$ref": "<evaluator name>"}' });
    } else if (!evaluators.has(ref)) {
      const known = [...evaluators];
      issues.push({ path: formatPath([...path, '$ref']), message: `'${ref}' is not a defined evaluator${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}` });
    }
  });
  return issues;
}

function nestedRefIssues(rule: Json, prefix: PropertyKey[]): Issue[] {
  const issues: Issue[] = [];
  walk(rule, prefix, (object, path) => {
    if (Object.hasOwn(object, '$ref')) issues.push({ path: formatPath(path), message: 'an evaluator cannot reference another evaluator' });
  });
  return issues;
}

/** flagd buckets with integer weights; a literal weight must be a non-negative integer. */
function fractionalIssues(targeting: Json, prefix: PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  walk(targeting, prefix, (object, path) => {
    const args = object.fractional;
    if (!Array.isArray(args)) return;
    args.forEach((bucket, index) => {
      if (!Array.isArray(bucket)) return; // the optional bucketing expression comes first
      const weight: unknown = bucket[1];
      if (bucket.length === 0 || bucket.length > 2) issues.push({ path: [...path, 'fractional', index], message: 'a bucket is [variant] or [variant, weight]' });
      else if (typeof weight === 'number' && !(Number.isInteger(weight) && weight >= 0)) {
        issues.push({ path: [...path, 'fractional', index, 1], message: 'fractional weights are non-negative integers' });
      }
    });
  });
  return issues;
}

/** Operators whose result is a boolean, which flagd takes as the variant named 'true' or 'false'. */
const BOOLEAN_OPERATORS = new Set(['==', '===', '!=', '!==', '<', '<=', '>', '>=', '!', '!!', 'in', 'all', 'some', 'none', 'starts_with', 'ends_with', 'sem_ver']);

/** A variant name targeting can return, where it is written, and the evaluator it comes from. */
interface Outcome {
  readonly name: string;
  readonly path: PropertyKey[];
  readonly evaluator?: { readonly name: string; readonly path: PropertyKey[] };
}

/** The arguments of `if` that can be its result: each `then`, and the `else` of an odd count (a lone argument is its own result). */
function ifResults(length: number): number[] {
  if (length === 1) return [0];
  const results: number[] = [];
  for (let index = 1; index < length; index += 2) results.push(index);
  if (length > 1 && length % 2 === 1) results.push(length - 1);
  return results;
}

/**
 * The variant names targeting can return, as flagd reads them: the result is the variant named by
 * its string form, and null is the default variant. Found where the result is written down: `if`
 * results, `fractional` bucket names, a `$ref` to an evaluator that returns them, and conditions
 * (which name 'true' or 'false'). Results computed at run time (`var`, `cat`, ...) are not known.
 */
function outcomes(node: unknown, path: PropertyKey[], evaluators: Evaluators): Outcome[] {
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return [{ name: String(node), path }];
  if (!isObject(node) || Object.keys(node).length !== 1) return [];
  const [operator, args] = Object.entries(node)[0]!;
  if (operator === '$ref') {
    const rule = typeof args === 'string' ? evaluators[args] : undefined;
    // Evaluators cannot reference evaluators, so their own outcomes need none.
    if (rule === undefined) return [];
    return outcomes(rule, ['$evaluators', args as string], {}).map((outcome) => ({ name: outcome.name, path, evaluator: { name: args as string, path: outcome.path } }));
  }
  if ((operator === 'if' || operator === '?:') && Array.isArray(args)) return ifResults(args.length).flatMap((index) => outcomes(args[index], [...path, operator, index], evaluators));
  if (operator === 'fractional' && Array.isArray(args)) {
    // A first argument that is not a bucket is the bucketing expression.
    return args.flatMap((bucket, index) => (Array.isArray(bucket) && bucket.length > 0 ? outcomes(bucket[0], [...path, 'fractional', index, 0], evaluators) : []));
  }
  if (BOOLEAN_OPERATORS.has(operator)) return [{ name: 'true', path }, { name: 'false', path }];
  return [];
}

/** Every place targeting can return a variant name that is not one of the flag's variants (every evaluation there would fail). */
function outcomeIssues(flag: FlagDefinition, evaluators: Evaluators, prefix: PropertyKey[]): Issue[] {
  const known = Object.keys(flag.variants);
  const missing = new Map<string, { outcome: Outcome; names: string[] }>();
  for (const outcome of outcomes(flag.targeting, prefix, evaluators)) {
    if (Object.hasOwn(flag.variants, outcome.name)) continue;
    const at = `${formatPath(outcome.path)} ${outcome.evaluator === undefined ? '' : formatPath(outcome.evaluator.path)}`;
    const entry = missing.get(at) ?? { outcome, names: [] };
    if (!entry.names.includes(outcome.name)) entry.names.push(outcome.name);
    missing.set(at, entry);
  }
  return [...missing.values()].map(({ outcome, names }) => {
    const listed = names.map((name) => `'${name}'`).join(' and ');
    const subject = outcome.evaluator === undefined ? `targeting can return ${listed} here` : `evaluator '${outcome.evaluator.name}' can return ${listed} here (at ${formatPath(outcome.evaluator.path)})`;
    return { path: formatPath(outcome.path), message: `${subject}, ${names.length === 1 ? 'which is not one of the variants' : 'which are not variants'} (${known.join(', ')})` };
  });
}

/** Replaces each `{"$ref": name}` with the evaluator's rule, as flagd does before compiling. */
export function inlineRefs(node: Json, evaluators: Evaluators): Json {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, evaluators));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && Object.keys(node).length === 1 && evaluators[ref] !== undefined) return evaluators[ref];
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inlineRefs(value, evaluators)]));
}

const quietLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** Asks flagd-core itself whether the targeting compiles (unknown operators, bad arity). */
function compileIssues(key: string, flag: FlagDefinition, evaluators: Evaluators, at: PropertyKey[]): Issue[] {
  if (flag.targeting === undefined || Object.keys(flag.targeting).length === 0) return [];
  const targeting = inlineRefs(flag.targeting, evaluators);
  const compiled = new FeatureFlag(key, { state: 'ENABLED', variants: flag.variants, defaultVariant: '', targeting: targeting as unknown as string }, quietLogger);
  const probe = compiled.evaluate({});
  if (probe.reason === 'ERROR' && probe.errorCode === ErrorCode.PARSE_ERROR) {
    return [{ path: formatPath(at), message: 'flagd cannot compile this JsonLogic rule (unknown operator or malformed arguments)' }];
  }
  return [];
}
