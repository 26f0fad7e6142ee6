/**
 * Loads a version's handler module and runs one invocation the way the Node.js runtime does:
 * `handler(event, context)`, awaited, bounded by the version's timeout. A failure is data (the
 * error payload Lambda returns with `X-Amz-Function-Error: Unhandled`), never a rejection.
 */
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { SandboxVersion } from './config.js';

export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** Returns a version's handler; the world calls it once per version. */
export type HandlerLoader = (version: SandboxVersion) => Promise<LambdaHandler>;

export interface FunctionErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type HandlerOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: FunctionErrorPayload };

/** A failure of the runtime itself (the module does not load), reported like Lambda's. */
export class RuntimeError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message);
    this.name = errorType;
  }
}

/** The default loader: `import()` of the handler file; a `.ts` file needs the process to run under tsx (or vitest). */
export const importHandler: HandlerLoader = async (version) => {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(version.handlerPath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot load ${version.handlerPath}: ${(error as Error).message}`);
  }
  const handler = module.handler;
  if (typeof handler !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${version.handler} is undefined or not exported`);
  return handler as LambdaHandler;
};

export interface ContextInput {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly awsRequestId: string;
  readonly memorySize: number;
  /** Milliseconds left before the timeout. */
  readonly remaining: () => number;
}

export function createContext(input: ContextInput): Context {
  const unsupported = () => {
    throw new Error('context.done/fail/succeed are not supported: return a value or throw');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: input.functionName,
    functionVersion: input.functionVersion,
    invokedFunctionArn: input.invokedFunctionArn,
    memoryLimitInMB: String(input.memorySize),
    awsRequestId: input.awsRequestId,
    logGroupName: `/aws/lambda/${input.functionName}`,
    logStreamName: `sandbox/[${input.functionVersion}]`,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(input.remaining())),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export async function runHandler(handler: LambdaHandler, event: unknown, context: Context, timeoutMs: number): Promise<HandlerOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HandlerOutcome>((resolve) => {
    timer = setTimeout(() => resolve({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: `${context.awsRequestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, trace: [] },
    }), timeoutMs);
  });
  const run = (async (): Promise<HandlerOutcome> => {
    try {
      return { ok: true, result: await handler(event, context) };
    } catch (error) {
      return { ok: false, error: errorPayload(error) };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorPayload(error: unknown): FunctionErrorPayload {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}
