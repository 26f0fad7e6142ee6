import { readFileSync } from 'node:fs';
import { FlagdCore } from '@openfeature/flagd-core';
import type { EvaluationContext, FlagValueType } from '@openfeature/core';
import { describe, expect, it } from 'vitest';
import { bulkEtag, compileFlagSet, etagMatches, evaluateFlag, evaluateFlags, ofrepRefusal, ofrepRequest, readOfrepRequest, type FlagView } from '../../lib/flags/ofrep.js';

const set = {
  flags: {
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'beta' }, 'on', null] }, metadata: { owner: 'checkout' } },
    'button-text': { state: 'ENABLED', variants: { classic: 'Buy', friendly: 'Complete my order' }, defaultVariant: 'classic' },
    'old-banner': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    'code-default': { state: 'ENABLED', variants: { a: 1, b: 2 }, targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'b', null] } },
    'broken-rule': { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a', targeting: { if: [{ $ref: 'missing' }, 'a', null] } },
    'ghost-variant': { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a', targeting: { if: [true, 'zzz', null] } },
  },
  $evaluators: { beta: { in: [{ var: 'email' }, ['ana@example.com']] } },
};
const compiled = compileFlagSet(set, 7);
const ask = (context: Record<string, unknown>) => ofrepRequest({ context });

describe('OFREP single flag evaluation', () => {
  it('answers 200 with key, value, reason, variant and metadata', () => {
    expect(evaluateFlag(compiled, 'new-checkout', ask({ targetingKey: 'ana', email: 'ana@example.com' }))).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { key: 'new-checkout', value: true, reason: 'TARGETING_MATCH', variant: 'on', metadata: { owner: 'checkout' } },
    });
    expect(evaluateFlag(compiled, 'button-text', ofrepRequest(undefined)).body).toEqual({ key: 'button-text', value: 'Buy', reason: 'STATIC', variant: 'classic', metadata: {} });
  });

  it('answers 404 FLAG_NOT_FOUND for an unknown flag, apart from a DISABLED one', () => {
    expect(evaluateFlag(compiled, 'nope', ask({}))).toMatchObject({ status: 404, body: { key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: "flag 'nope' not found" } });
    // No value: the caller uses its code default, as with flagd-core's reason DISABLED.
    expect(evaluateFlag(compiled, 'old-banner', ask({}))).toMatchObject({ status: 200, body: { key: 'old-banner', reason: 'DISABLED', metadata: {} } });
    expect(evaluateFlag(compiled, 'old-banner', ask({})).body).not.toHaveProperty('value');
  });

  it('omits the value when the flag defers to the code default', () => {
    const answer = evaluateFlag(compiled, 'code-default', ask({ plan: 'free' }));
    expect(answer).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: { key: 'code-default', reason: 'DEFAULT', metadata: {} } });
    expect(evaluateFlag(compiled, 'code-default', ask({ plan: 'pro' })).body).toMatchObject({ value: 2, variant: 'b', reason: 'TARGETING_MATCH' });
  });

  it.each([
    ['a targeting rule flagd cannot parse', 'broken-rule', ask({}), 'PARSE_ERROR'],
    ['targeting that names no variant', 'ghost-variant', ask({}), 'GENERAL'],
    ['a body that is not an object', 'button-text', ofrepRequest([1, 2]), 'INVALID_CONTEXT'],
    ['a context that is not an object', 'button-text', ofrepRequest({ context: 'ana' }), 'INVALID_CONTEXT'],
    ['a targetingKey that is not a string', 'button-text', ask({ targetingKey: 42 }), 'INVALID_CONTEXT'],
    ['a body that is not JSON', 'button-text', readOfrepRequest('{"context": '), 'INVALID_CONTEXT'],
  ])('answers 400 for %s', (_, key, request, errorCode) => {
    const answer = evaluateFlag(compiled, key, request);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ key, errorCode, errorDetails: expect.any(String) as string });
  });

  it('reads an empty body as an empty context', () => {
    expect(readOfrepRequest(undefined)).toEqual({ ok: true, context: {} });
    expect(readOfrepRequest('  ')).toEqual({ ok: true, context: {} });
    expect(readOfrepRequest('{"context": {"targetingKey": "ana"}}')).toEqual({ ok: true, context: { targetingKey: 'ana' } });
  });

  it('matches flagd-core’s typed evaluation for every flag of the flagd test kit', () => {
    const testkit = JSON.parse(readFileSync(new URL('../fixtures/flagd-testbed/evaluator/flags/testkit-flags.json', import.meta.url), 'utf8')) as { flags: Record<string, { variants: Record<string, unknown> }> };
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(testkit));
    const kit = compileFlagSet(testkit, 1);
    const contexts: EvaluationContext[] = [{}, { targetingKey: 'jon@company.com', email: 'ballmer@macrosoft.com', version: '2.1.0', user: { name: 'jack' }, id: 'abcdef' }, { targetingKey: 'some-targeting-key', email: 'jobs@orange.com', tier: 'premium' }];
    let compared = 0;
    for (const [key, flag] of Object.entries(testkit.flags)) {
      const sample = Object.values(flag.variants)[0];
      const type: FlagValueType = typeof sample === 'object' ? 'object' : (typeof sample as FlagValueType);
      for (const context of contexts) {
        const expected = core.resolve(type, key, null as never, context);
        const body = evaluateFlag(kit, key, ask(context)).body!;
        if (expected.errorCode !== undefined) expect(body).toMatchObject({ errorCode: expected.errorCode });
        else if (expected.reason === 'DISABLED' || expected.value === null) expect(body).not.toHaveProperty('value');
        else expect(body).toMatchObject({ value: expected.value, reason: expected.reason, ...(expected.variant === undefined ? {} : { variant: expected.variant }) });
        compared++;
      }
    }
    expect(compared).toBe(Object.keys(testkit.flags).length * contexts.length);
  });
});

describe('OFREP bulk evaluation', () => {
  it('evaluates every flag, failures and DISABLED ones included, with an ETag', () => {
    const answer = evaluateFlags(compiled, ask({ targetingKey: 'ana', email: 'ana@example.com' }));
    expect(answer.status).toBe(200);
    expect(answer.headers.etag).toMatch(/^"7-[\w-]{22}"$/);
    const flags = (answer.body as { flags: { key: string }[] }).flags;
    expect(flags.map((flag) => flag.key)).toEqual(['broken-rule', 'button-text', 'code-default', 'ghost-variant', 'new-checkout', 'old-banner']);
    expect(flags).toContainEqual({ key: 'broken-rule', errorCode: 'PARSE_ERROR', errorDetails: expect.any(String) as string, metadata: {} });
    expect(flags).toContainEqual({ key: 'old-banner', reason: 'DISABLED', metadata: {} });
    expect(flags).toContainEqual({ key: 'new-checkout', value: true, reason: 'TARGETING_MATCH', variant: 'on', metadata: { owner: 'checkout' } });
  });

  it('answers 304 while the set version and the context stay the same', () => {
    const context = { targetingKey: 'ana', email: 'ana@example.com', plan: { tier: 'pro', seats: 3 } };
    const { etag } = evaluateFlags(compiled, ask(context)).headers;
    const reordered = { plan: { seats: 3, tier: 'pro' }, email: 'ana@example.com', targetingKey: 'ana' };
    expect(evaluateFlags(compiled, ask(reordered), etag)).toEqual({ status: 304, headers: { etag } });
    expect(evaluateFlags(compiled, ask(context), `W/${etag!}`).status).toBe(304);
    expect(evaluateFlags(compiled, ask(context), `"other", ${etag!}`).status).toBe(304);
    expect(evaluateFlags(compiled, ask(context), '*').status).toBe(304);
    expect(evaluateFlags(compiled, ask({ ...context, targetingKey: 'bo' }), etag).status).toBe(200);
    expect(evaluateFlags(compileFlagSet(set, 8), ask(context), etag).status).toBe(200);
  });

  it('answers 400 INVALID_CONTEXT for a bad request', () => {
    expect(evaluateFlags(compiled, ofrepRequest({ context: [1] }))).toEqual({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: { errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be an object' },
    });
  });

  it('evaluates only the flags in the caller’s view, with a tag of that view', () => {
    const checkoutOnly: FlagView = { id: 'new-*', includes: (key) => key.startsWith('new-') };
    const context = ask({ targetingKey: 'ana' });
    const narrowed = evaluateFlags(compiled, context, undefined, checkoutOnly);
    expect((narrowed.body as { flags: { key: string }[] }).flags.map((flag) => flag.key)).toEqual(['new-checkout']);
    const whole = evaluateFlags(compiled, context);
    expect(narrowed.headers.etag).not.toBe(whole.headers.etag);
    expect(evaluateFlags(compiled, context, whole.headers.etag, checkoutOnly).status).toBe(200);
    expect(evaluateFlags(compiled, context, narrowed.headers.etag, checkoutOnly).status).toBe(304);
  });

  it('carries the set’s metadata', () => {
    const withMetadata = compileFlagSet({ ...set, metadata: { flagSetId: 'checkout' } }, 1);
    expect(evaluateFlags(withMetadata, ask({})).body).toMatchObject({ metadata: { flagSetId: 'checkout' } });
  });

  it('derives ETags from the version, the context and the view alone', () => {
    expect(bulkEtag(3, { a: 1, b: [1, 2] })).toBe(bulkEtag(3, { b: [1, 2], a: 1 }));
    expect(bulkEtag(3, { a: 1 })).not.toBe(bulkEtag(4, { a: 1 }));
    expect(bulkEtag(3, { a: 1 }, '["checkout-*"]')).not.toBe(bulkEtag(3, { a: 1 }));
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('abc', '"abc"')).toBe(true);
    expect(etagMatches('"abd"', '"abc"')).toBe(false);
  });
});

describe('OFREP refusals', () => {
  it.each([
    ['no valid token', 401, 'new-checkout', 401, { errorDetails: 'd' }],
    ['a forbidden flag', 403, 'new-checkout', 403, { errorDetails: 'd' }],
    ['a rate limit', 429, undefined, 429, { errorDetails: 'd' }],
    ['a failure of ours', 500, 'new-checkout', 500, { errorDetails: 'd' }],
    ['a dependency down for now', 503, 'new-checkout', 503, { errorDetails: 'd' }],
    ['no such flag', 404, 'nope', 404, { key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'd' }],
    ['no such route', 404, undefined, 404, { errorDetails: 'd' }],
    ['a method the path does not take', 405, undefined, 405, { errorDetails: 'd' }],
    ['a bad request', 400, 'new-checkout', 400, { key: 'new-checkout', errorCode: 'INVALID_CONTEXT', errorDetails: 'd' }],
    ['a body too large', 413, undefined, 400, { errorCode: 'INVALID_CONTEXT', errorDetails: 'd' }],
    ['another refusal', 409, 'new-checkout', 400, { key: 'new-checkout', errorCode: 'GENERAL', errorDetails: 'd' }],
  ])('answers %s in the status and body OFREP gives it', (_, status, key, expectedStatus, body) => {
    expect(ofrepRefusal(status, 'd', key)).toEqual({ status: expectedStatus, headers: { 'content-type': 'application/json' }, body });
  });
});
