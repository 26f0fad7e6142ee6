/**
 * How the Lambda entry points are bundled, in one place: the ReleaseGate construct (through
 * NodejsFunction) and the cold-start benchmark (through esbuild's API) both derive their options
 * from these constants, so the bundle that is measured is the bundle that is deployed.
 */
import type { BuildOptions } from 'esbuild';
import { OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Runtime } from 'aws-cdk-lib/aws-lambda';

/** The runtime the functions run on; the esbuild target must match it. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;
export const ESBUILD_TARGET = 'node22';

/** ESM bundles have no `require`; some CommonJS dependencies call it, so it is recreated. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Prefer packages' ESM builds: they tree-shake better. */
export const MAIN_FIELDS = ['module', 'main'];

/** What the Lambda runtime already provides. */
export const AWS_SDK_EXTERNALS = ['@aws-sdk/*'];

export interface SharedBundleOptions {
  /**
   * Bundle the AWS SDK instead of loading the runtime's copy. Bundled, it is tree-shaken into
   * one file and pinned to the version the tests ran against.
   * @default true
   */
  readonly bundleAwsSdk?: boolean;
}

/** NodejsFunction bundling: ESM `.mjs`, minified, with a source map (no sources, to keep it small). */
export function lambdaBundling(options: SharedBundleOptions = {}): BundlingOptions {
  const bundleAwsSdk = options.bundleAwsSdk ?? true;
  return {
    format: OutputFormat.ESM,
    target: ESBUILD_TARGET,
    banner: ESM_REQUIRE_BANNER,
    mainFields: MAIN_FIELDS,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    bundleAwsSDK: bundleAwsSdk,
    externalModules: bundleAwsSdk ? [] : AWS_SDK_EXTERNALS,
  };
}

/**
 * The same bundle through esbuild's API (NodejsFunction writes `index.mjs` the same way).
 * `platform: node` and `bundle: true` are implied by NodejsFunction.
 */
export function esbuildOptions(entryPoint: string, outfile: string, options: SharedBundleOptions = {}): BuildOptions {
  const bundleAwsSdk = options.bundleAwsSdk ?? true;
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESBUILD_TARGET,
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: MAIN_FIELDS,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: bundleAwsSdk ? [] : AWS_SDK_EXTERNALS,
    logLevel: 'warning',
  };
}

/** Source maps are only read when Node is told to; Lambda passes NODE_OPTIONS through. */
export const SOURCE_MAP_ENV = { NODE_OPTIONS: '--enable-source-maps' } as const;
