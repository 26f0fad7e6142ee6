import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionInvoker, InvokeResult } from '../invoker.js';
import { callAws } from './sdk-errors.js';

export interface LambdaInvokerOptions {
  /** Retries throttling, 5xx, timeouts and dropped connections itself (configured in lib/wiring/aws-clients.ts). */
  readonly client: LambdaClient;
  /** A stopwatch in milliseconds; a fake one in tests. */
  readonly stopwatch?: (() => number) | undefined;
  /**
   * How long one invoke may take before it is abandoned (and counts as failed): a hung hook or
   * probe must not hold the evaluator, which ticks every due release in one invocation.
   * @default DEFAULT_INVOKE_TIMEOUT_MS
   */
  readonly timeoutMs?: number | undefined;
}

export const DEFAULT_INVOKE_TIMEOUT_MS = 10_000;

/** The payload as JSON where it parses, else as text; absent when Lambda sent none. */
export function decodePayload(payload: Uint8Array | undefined): unknown {
  if (payload === undefined || payload.length === 0) return undefined;
  const text = new TextDecoder().decode(payload);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** FunctionInvoker over Lambda's synchronous Invoke (RequestResponse). */
export class LambdaInvoker implements FunctionInvoker {
  private readonly client: LambdaClient;
  private readonly stopwatch: () => number;
  private readonly timeoutMs: number;

  constructor(options: LambdaInvokerOptions) {
    this.client = options.client;
    this.stopwatch = options.stopwatch ?? (() => performance.now());
    this.timeoutMs = options.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
  }

  async invoke(functionName: string, qualifier: string | undefined, payload: unknown): Promise<InvokeResult> {
    const started = this.stopwatch();
    const answer = await callAws('lambda', 'Invoke', () =>
      this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          Qualifier: qualifier,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)),
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      ),
    );
    const durationMs = Math.max(0, Math.round(this.stopwatch() - started));
    // A function's own failure is a 200 with FunctionError set: the invoke worked, the function did not.
    const functionError = answer.FunctionError === undefined || answer.FunctionError === '' ? undefined : answer.FunctionError;
    return { ok: functionError === undefined, functionError, payload: decodePayload(answer.Payload), durationMs };
  }
}
