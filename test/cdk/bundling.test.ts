/** The construct and the cold-start benchmark bundle with the same options (cdk/bundling.ts). */
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { AWS_SDK_EXTERNALS, ESBUILD_TARGET, ESM_REQUIRE_BANNER, esbuildOptions, LAMBDA_RUNTIME, lambdaBundling } from '../../cdk/bundling.js';

describe('shared bundle options', () => {
  it.each([true, false])('agree between NodejsFunction and esbuild (AWS SDK bundled: %s)', (bundleAwsSdk) => {
    const cdk = lambdaBundling({ bundleAwsSdk });
    const direct = esbuildOptions('functions/gate-api.ts', '/tmp/out.mjs', { bundleAwsSdk });
    expect(cdk.format).toBe(OutputFormat.ESM);
    expect(direct.format).toBe('esm');
    expect([cdk.target, direct.target]).toEqual([ESBUILD_TARGET, ESBUILD_TARGET]);
    expect([cdk.banner, direct.banner?.js]).toEqual([ESM_REQUIRE_BANNER, ESM_REQUIRE_BANNER]);
    expect([cdk.minify, direct.minify]).toEqual([true, true]);
    expect([cdk.sourceMap, direct.sourcemap]).toEqual([true, true]);
    expect([cdk.sourcesContent, direct.sourcesContent]).toEqual([false, false]);
    expect(cdk.mainFields).toEqual(direct.mainFields);
    expect(cdk.externalModules).toEqual(direct.external);
    expect(direct.external).toEqual(bundleAwsSdk ? [] : AWS_SDK_EXTERNALS);
    expect(direct).toMatchObject({ bundle: true, platform: 'node' });
  });

  it('targets the runtime the functions run on', () => {
    expect(LAMBDA_RUNTIME.name).toBe('nodejs22.x');
    expect(ESBUILD_TARGET).toBe('node22');
    expect(ESM_REQUIRE_BANNER).toBe("import { createRequire } from 'module'; const require = createRequire(import.meta.url);");
  });
});
