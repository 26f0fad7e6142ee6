/** Builds the measured bundles with the construct's own esbuild options (cdk/bundling.ts). */
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildOptions } from '../../cdk/bundling.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BundleSpec {
  readonly name: string;
  readonly entry: string;
  readonly bundleAwsSdk: boolean;
  /** Run with NODE_OPTIONS=--enable-source-maps, as the stack sets it. @default true */
  readonly sourceMaps?: boolean;
}

export interface BuiltBundle extends BundleSpec {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly metafile: Metafile;
}

export const BARE = 'bare Hono (baseline)';

export const BUNDLES: readonly BundleSpec[] = [
  { name: BARE, entry: 'bench/coldstart/bare-hono.ts', bundleAwsSdk: true },
  { name: 'gate API, SDK bundled (deployed)', entry: 'functions/gate-api.ts', bundleAwsSdk: true },
  { name: 'gate API, SDK external', entry: 'functions/gate-api.ts', bundleAwsSdk: false },
  { name: 'evaluator, SDK bundled (deployed)', entry: 'functions/evaluator.ts', bundleAwsSdk: true },
  { name: 'evaluator, SDK external', entry: 'functions/evaluator.ts', bundleAwsSdk: false },
  { name: 'gate API, SDK bundled, without --enable-source-maps', entry: 'functions/gate-api.ts', bundleAwsSdk: true, sourceMaps: false },
];

/**
 * One `.mjs` per bundle in `dir`. The external-SDK bundles resolve `@aws-sdk/*` through a
 * node_modules link to the repository's, where Lambda would use the runtime's copy.
 */
export async function buildBundles(dir: string): Promise<BuiltBundle[]> {
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const built: BuiltBundle[] = [];
  for (const [index, spec] of BUNDLES.entries()) {
    const file = join(dir, `bundle-${index}.mjs`);
    const result = await build({ ...esbuildOptions(join(root, spec.entry), file, { bundleAwsSdk: spec.bundleAwsSdk }), metafile: true, logLevel: 'error' });
    const code = readFileSync(file);
    built.push({ ...spec, file, bytes: code.length, gzipBytes: gzipSync(code).length, metafile: result.metafile });
  }
  return built;
}

function entryOutput(bundle: BuiltBundle): Metafile['outputs'][string] | undefined {
  return Object.values(bundle.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
}

/** Bytes in the output from inputs whose path matches. */
export function bytesMatching(bundle: BuiltBundle, path: RegExp): number {
  return Object.entries(entryOutput(bundle)?.inputs ?? {})
    .filter(([input]) => path.test(input))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

/** Bytes in the output per package (or per top-level source folder), largest first. */
export function largestInputs(bundle: BuiltBundle, count: number): { readonly source: string; readonly bytes: number }[] {
  const output = entryOutput(bundle);
  const bySource = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const source = pkg ?? path.replace(/^(\.\.\/)+/, '').split('/').slice(0, 2).join('/');
    bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
  }
  return [...bySource].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, count);
}
