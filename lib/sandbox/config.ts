/**
 * The sandbox config file (`sandbox.config.json`): which functions the local Lambda endpoint
 * holds, the handler file behind each published version, and the aliases. Loading it also
 * hashes every handler file, because CodeSha256 is what a release pins.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import type { Issue } from '../core/errors.js';
import { formatPath, issuesFromZod } from '../core/issues.js';

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const VERSION = /^[1-9][0-9]*$/;
// Lambda's alias pattern: not all digits, so an alias never reads as a version.
const ALIAS_NAME = /^(?![0-9]+$)[a-zA-Z0-9_-]{1,128}$/;

const versionSchema = z.strictObject({
  /** Path of the handler module, relative to the config file; it must export `handler`. */
  handler: z.string().min(1),
  role: z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN').optional(),
  deadLetterTargetArn: z.string().regex(/^arn:aws:(sqs|sns):/, 'must be an SQS queue or SNS topic ARN').optional(),
  reservedConcurrency: z.int().min(0).optional(),
  description: z.string().max(256).default(''),
  runtime: z.string().default('nodejs20.x'),
  timeoutSeconds: z.int().min(1).max(900).default(3),
  memorySize: z.int().min(128).max(10_240).default(128),
});

const aliasSchema = z.strictObject({
  version: z.string().regex(VERSION, 'must be a published version number'),
  description: z.string().max(256).default(''),
  /** Extra versions and their share of traffic (0–1), as Lambda's AdditionalVersionWeights. */
  routing: z.record(z.string().regex(VERSION, 'must be a published version number'), z.number().min(0).max(1)).default({}),
});

const functionSchema = z.strictObject({
  versions: z.record(z.string().regex(VERSION, 'version keys are published version numbers: "1", "2", …'), versionSchema)
    .refine((versions) => Object.keys(versions).length > 0, 'a function needs at least one version'),
  aliases: z.record(z.string().regex(ALIAS_NAME, 'alias names are letters, digits, - and _, not all digits'), aliasSchema).default({}),
});

export const sandboxConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  region: z.string().default('us-east-1'),
  accountId: z.string().regex(/^\d{12}$/, 'must be 12 digits').default('123456789012'),
  /** The sandbox's "minute": real Lambda metrics are per 60 s, a short period makes a rollout take minutes. */
  metricPeriodSeconds: z.int().min(1).max(60).default(10),
  /** How long recorded metrics are kept, which bounds memory. */
  metricRetentionMinutes: z.int().min(1).max(1440).default(360),
  functions: z.record(z.string().regex(FUNCTION_NAME, 'function names are 1–64 letters, digits, - and _'), functionSchema),
});

export type SandboxConfigFile = z.infer<typeof sandboxConfigSchema>;
type VersionFile = z.infer<typeof versionSchema>;

export interface SandboxVersion extends Omit<VersionFile, 'handler'> {
  readonly version: string;
  /** Absolute path of the handler module. */
  readonly handlerPath: string;
  /** Lambda's `Handler` field: the module path without extension, then `.handler`. */
  readonly handler: string;
  /** Base64 SHA-256 of the handler file's bytes, as Lambda computes it for the deployment package. */
  readonly codeSha256: string;
  readonly codeSize: number;
  /** The handler file's last change, in Lambda's format (`2024-05-01T12:00:00.000+0000`). */
  readonly lastModified: string;
  readonly role: string;
}

export interface SandboxConfig extends Omit<SandboxConfigFile, 'functions'> {
  readonly functions: Record<string, {
    readonly versions: Record<string, SandboxVersion>;
    readonly aliases: SandboxConfigFile['functions'][string]['aliases'];
  }>;
}

export class SandboxConfigError extends Error {
  override readonly name = 'SandboxConfigError';
  constructor(readonly source: string, readonly issues: readonly Issue[]) {
    super(`${source}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  }
}

/** Reads, validates and resolves `sandbox.config.json`; handler paths are relative to it. */
export async function loadSandboxConfig(file: string): Promise<SandboxConfig> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SandboxConfigError(file, [{ path: '(root)', message: `cannot read the file as JSON: ${(error as Error).message}` }]);
  }
  return resolveSandboxConfig(json, dirname(resolve(file)), file);
}

/** Validates a parsed config and hashes its handler files, resolved against `baseDir`. */
export async function resolveSandboxConfig(json: unknown, baseDir: string, source = 'sandbox config'): Promise<SandboxConfig> {
  const parsed = sandboxConfigSchema.safeParse(json);
  if (!parsed.success) throw new SandboxConfigError(source, issuesFromZod(parsed.error));
  const file = parsed.data;
  const issues = crossReferenceIssues(file);
  const functions: SandboxConfig['functions'] = {};
  for (const [name, fn] of Object.entries(file.functions)) {
    const versions: Record<string, SandboxVersion> = {};
    for (const [version, spec] of Object.entries(fn.versions)) {
      const at = ['functions', name, 'versions', version, 'handler'];
      const resolved = await resolveVersion(file, name, version, spec, baseDir).catch((error: Error) => {
        issues.push({ path: formatPath(at), message: `cannot read ${resolve(baseDir, spec.handler)}: ${error.message}` });
        return undefined;
      });
      if (resolved) versions[version] = resolved;
    }
    functions[name] = { versions, aliases: fn.aliases };
  }
  if (issues.length > 0) throw new SandboxConfigError(source, issues);
  return { ...file, functions };
}

function crossReferenceIssues(file: SandboxConfigFile): Issue[] {
  const issues: Issue[] = [];
  for (const [name, fn] of Object.entries(file.functions)) {
    for (const [alias, spec] of Object.entries(fn.aliases)) {
      const at = (...rest: string[]) => formatPath(['functions', name, 'aliases', alias, ...rest]);
      if (!(spec.version in fn.versions)) issues.push({ path: at('version'), message: `version ${spec.version} is not in functions.${name}.versions` });
      const extra = Object.keys(spec.routing);
      if (extra.length > 1) issues.push({ path: at('routing'), message: 'Lambda routes to at most one additional version' });
      for (const version of extra) {
        if (!(version in fn.versions)) issues.push({ path: at('routing', version), message: `version ${version} is not in functions.${name}.versions` });
        if (version === spec.version) issues.push({ path: at('routing', version), message: 'the additional version must differ from the alias version' });
      }
    }
  }
  return issues;
}

async function resolveVersion(file: SandboxConfigFile, name: string, version: string, spec: VersionFile, baseDir: string): Promise<SandboxVersion> {
  const handlerPath = resolve(baseDir, spec.handler);
  const [bytes, info] = await Promise.all([readFile(handlerPath), stat(handlerPath)]);
  return {
    ...spec,
    version,
    handlerPath,
    handler: `${spec.handler.replace(/^\.\//, '').replace(/\.[cm]?[jt]s$/, '')}.handler`,
    codeSha256: createHash('sha256').update(bytes).digest('base64'),
    codeSize: bytes.length,
    lastModified: info.mtime.toISOString().replace('Z', '+0000'),
    role: spec.role ?? `arn:aws:iam::${file.accountId}:role/${name}-role`,
  };
}
