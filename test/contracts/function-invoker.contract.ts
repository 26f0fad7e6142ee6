import { afterEach, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../lib/errors.js';
import type { FunctionInvoker } from '../../lib/invoker.js';

/**
 * The world each implementation is set up with: `checkout` version 1 answers
 * `{ version: '1', event }`, version 2 throws `Error('boom')`, and no function `missing` exists.
 */
export interface InvokerHarness {
  readonly invoker: FunctionInvoker;
  stop(): Promise<void>;
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/** Every FunctionInvoker must pass this; the Lambda adapter (over the sandbox) and the in-memory one both run it. */
export function functionInvokerContract(name: string, makeHarness: () => Promise<InvokerHarness>): void {
  describe(`FunctionInvoker contract: ${name}`, () => {
    let harness: InvokerHarness | undefined;
    const invoker = async () => (harness ??= await makeHarness()).invoker;
    afterEach(async () => {
      await harness?.stop();
      harness = undefined;
    });

    it('invokes the version it is given and returns its answer as JSON', async () => {
      const answer = await (await invoker()).invoke('checkout', '1', { cartId: 'c-1', items: [1, 2] });
      expect(answer).toMatchObject({ ok: true, payload: { version: '1', event: { cartId: 'c-1', items: [1, 2] } } });
      expect(answer.functionError).toBeUndefined();
      expect(answer.durationMs).toBeGreaterThanOrEqual(0);
    });

    it("reports a function's own failure as data: not ok, Lambda's Unhandled, its error payload", async () => {
      const answer = await (await invoker()).invoke('checkout', '2', { cartId: 'c-1' });
      expect(answer).toMatchObject({ ok: false, functionError: 'Unhandled', payload: { errorMessage: 'boom' } });
    });

    it('throws for a function that does not exist, and not as an unavailable service', async () => {
      const error = await failure((await invoker()).invoke('missing', undefined, {}));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });
}
