/**
 * The sandbox endpoint: Lambda (paths under /2015-03-31) and CloudWatch (POST / with
 * X-Amz-Target) on one loopback port, so production SDK clients work with only `endpoint` set.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { cloudWatchRoutes } from './cloudwatch-routes.js';
import type { SandboxConfig } from './config.js';
import { CloudWatchServiceError, LambdaServiceError } from './errors.js';
import { lambdaRoutes } from './lambda-routes.js';
import { LambdaWorld, type LambdaWorldOptions } from './lambda-world.js';
import { openSandboxState, type SandboxStateReport } from './state-dir.js';

export interface SandboxOptions extends Omit<LambdaWorldOptions, 'config' | 'trackMetricChanges'> {
  readonly config: SandboxConfig;
  /** 0 picks a free port. @default 0 */
  readonly port?: number | undefined;
  /** Keep the aliases and metrics in this directory across restarts (see state-dir.ts). @default nothing kept */
  readonly stateDir?: string | undefined;
  /** A save that failed; the sandbox keeps serving. @default console.error */
  readonly onStateError?: ((error: unknown) => void) | undefined;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>`, for the SDK clients' `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly world: LambdaWorld;
  /** What was brought back from `stateDir`; absent without one. */
  readonly state?: SandboxStateReport | undefined;
  stop(): Promise<void>;
}

export function createSandboxApp(world: LambdaWorld, clock: { now(): number }): Hono {
  const app = new Hono();
  // The SDK reports this as `$metadata.requestId`.
  app.use(async (c, next) => {
    await next();
    c.res.headers.set('x-amzn-requestid', randomUUID());
  });
  app.route('/', lambdaRoutes(world));
  app.route('/', cloudWatchRoutes(world, clock));
  app.onError((error) => {
    if (error instanceof LambdaServiceError || error instanceof CloudWatchServiceError) return error.getResponse();
    console.error('sandbox: unexpected error', error);
    return new Response(JSON.stringify({ Type: 'Service', message: String(error) }), {
      status: 500,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' },
    });
  });
  return app;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const clock = options.clock ?? { now: () => Date.now() };
  const world = new LambdaWorld({ ...options, clock, trackMetricChanges: options.stateDir !== undefined });
  const onStateError = options.onStateError ?? ((error: unknown) => console.error('sandbox: could not save its state', error));
  const state = options.stateDir === undefined ? undefined : await openSandboxState(world, options.config, options.stateDir, { clock, onError: onStateError });
  const server = createAdaptorServer({ fetch: createSandboxApp(world, clock).fetch }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await state?.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    world,
    state: state?.report,
    stop: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      });
      await state?.close();
    },
  };
}
