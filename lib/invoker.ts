/**
 * The port synthetic evidence invokes functions through: a release's hook function, and the new
 * and stable versions for paired probes. Adapters: lib/aws/lambda-invoker.ts, lib/memory/memory-invoker.ts.
 */

/** What one synchronous invoke answered. */
export interface InvokeResult {
  /** The function ran without a function error. */
  readonly ok: boolean;
  /** Lambda's FunctionError, `Unhandled` or `Handled`, when the function failed. */
  readonly functionError?: string | undefined;
  /** The response payload, parsed as JSON where it is JSON, else its text. */
  readonly payload?: unknown;
  readonly durationMs: number;
}

export interface FunctionInvoker {
  /**
   * Invokes `functionName` (at `qualifier`, a version or alias, when given) with `payload` and
   * waits for its answer. Throws DependencyUnavailableError when Lambda cannot serve the call
   * now (throttled, after the SDK's retries), and the SDK's error for anything else.
   */
  invoke(functionName: string, qualifier: string | undefined, payload: unknown): Promise<InvokeResult>;
}
