import type { FunctionInvoker, InvokeResult } from '../invoker.js';

/** What a function in memory does with an event: answer, fail (a function error) or throw (the invoke failed). */
export type MemoryFunction = (event: unknown, qualifier: string | undefined) => Promise<Omit<InvokeResult, 'durationMs'> & { durationMs?: number }> | (Omit<InvokeResult, 'durationMs'> & { durationMs?: number });

/**
 * Functions in memory for tests, keyed `name` or `name:qualifier`; the qualified key wins. Every
 * invoke is recorded, so a test can see which version got which event.
 */
export class MemoryInvoker implements FunctionInvoker {
  readonly calls: { functionName: string; qualifier: string | undefined; payload: unknown }[] = [];
  private readonly functions = new Map<string, MemoryFunction>();

  constructor(functions: Record<string, MemoryFunction> = {}) {
    for (const [key, fn] of Object.entries(functions)) this.functions.set(key, fn);
  }

  define(key: string, fn: MemoryFunction): void {
    this.functions.set(key, fn);
  }

  async invoke(functionName: string, qualifier: string | undefined, payload: unknown): Promise<InvokeResult> {
    this.calls.push({ functionName, qualifier, payload });
    const fn = (qualifier === undefined ? undefined : this.functions.get(`${functionName}:${qualifier}`)) ?? this.functions.get(functionName);
    if (fn === undefined) throw Object.assign(new Error(`Function not found: ${functionName}${qualifier === undefined ? '' : `:${qualifier}`}`), { name: 'ResourceNotFoundException' });
    const answer = await fn(payload, qualifier);
    return { durationMs: 1, ...answer };
  }
}

/** Answers every event, as a healthy version would. */
export const answering = (payload: unknown = { ok: true }): MemoryFunction => () => ({ ok: true, payload });
/** Fails every event with Lambda's Unhandled error. */
export const failing = (message = 'boom'): MemoryFunction => () => ({ ok: false, functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: message } });
