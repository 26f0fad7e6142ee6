/**
 * Steady synthetic traffic for the local world: each target is invoked at its rate, with a
 * bounded number of requests in flight. A request that would exceed the bound is dropped and
 * counted, so a slow version cannot pile up unbounded work.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export type Invoke = (functionName: string, qualifier: string, payload: unknown) => Promise<unknown>;

export interface TrafficTarget {
  readonly functionName: string;
  readonly qualifier: string;
  readonly ratePerSecond: number;
  /** The event of the n-th request. @default `{ cartId: 'cart-<n>' }` */
  readonly payload?: ((n: number) => unknown) | undefined;
}

export interface TrafficOptions {
  readonly invoke: Invoke;
  readonly targets: readonly TrafficTarget[];
  /** Called for each rejected invoke; the traffic keeps going. */
  readonly onError?: ((error: unknown, target: TrafficTarget) => void) | undefined;
  /** Per target. @default 64 */
  readonly maxInFlight?: number | undefined;
  /** @default 20 */
  readonly tickMs?: number | undefined;
}

export interface TargetStats {
  readonly functionName: string;
  readonly qualifier: string;
  sent: number;
  succeeded: number;
  failed: number;
  /** Requests skipped because `maxInFlight` were still running. */
  dropped: number;
  inFlight: number;
}

export interface Traffic {
  stats(): { readonly total: Omit<TargetStats, 'functionName' | 'qualifier'>; readonly targets: readonly TargetStats[] };
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

export function startTraffic(options: TrafficOptions): Traffic {
  const maxInFlight = options.maxInFlight ?? 64;
  const startedAt = performance.now();
  const pending = new Set<Promise<void>>();
  const state = options.targets.map((target) => ({
    target,
    issued: 0,
    stats: { functionName: target.functionName, qualifier: target.qualifier, sent: 0, succeeded: 0, failed: 0, dropped: 0, inFlight: 0 } satisfies TargetStats,
  }));

  const fire = (entry: (typeof state)[number]) => {
    const { target, stats } = entry;
    const payload = target.payload ? target.payload(stats.sent) : { cartId: `cart-${stats.sent}` };
    stats.sent += 1;
    stats.inFlight += 1;
    const request = options.invoke(target.functionName, target.qualifier, payload).then(
      () => void (stats.succeeded += 1),
      (error: unknown) => {
        stats.failed += 1;
        options.onError?.(error, target);
      },
    ).finally(() => {
      stats.inFlight -= 1;
      pending.delete(request);
    });
    pending.add(request);
  };

  // Requests due are computed from the elapsed time, so timer jitter does not change the rate.
  const tick = () => {
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    for (const entry of state) {
      const due = Math.floor(entry.target.ratePerSecond * elapsedSeconds);
      for (; entry.issued < due; entry.issued += 1) {
        if (entry.stats.inFlight < maxInFlight) fire(entry);
        else entry.stats.dropped += 1;
      }
    }
  };
  const timer = setInterval(tick, options.tickMs ?? 20);

  return {
    stats: () => {
      const targets = state.map((entry) => ({ ...entry.stats }));
      const sum = (key: 'sent' | 'succeeded' | 'failed' | 'dropped' | 'inFlight') => targets.reduce((total, t) => total + t[key], 0);
      return { total: { sent: sum('sent'), succeeded: sum('succeeded'), failed: sum('failed'), dropped: sum('dropped'), inFlight: sum('inFlight') }, targets };
    },
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...pending]);
    },
  };
}

export interface InvokeAnswer {
  readonly executedVersion: string | undefined;
  /** `Unhandled` when the handler threw: a function error is traffic, not a failed request. */
  readonly functionError: string | undefined;
}

/** An `invoke` over a real LambdaClient, so generated traffic crosses the wire like production's. */
export function lambdaInvoke(client: LambdaClient): (functionName: string, qualifier: string, payload: unknown) => Promise<InvokeAnswer> {
  return async (functionName, qualifier, payload) => {
    const answer = await client.send(new InvokeCommand({
      FunctionName: functionName,
      Qualifier: qualifier,
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }));
    return { executedVersion: answer.ExecutedVersion, functionError: answer.FunctionError };
  };
}
