/**
 * A simulated checkout request for the sandbox's demo function: lognormal latency (a real
 * `setTimeout`, so the sandbox measures it) and an optional failure rate. Medians are small so
 * that local traffic stays cheap.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface CheckoutProfile {
  /** Which build answered; shows in the response. */
  readonly build: string;
  /** @default 20 */
  readonly medianMs?: number;
  /** Spread of log-latency; 0.5 puts p99 near 3.2 × the median. @default 0.5 */
  readonly sigma?: number;
  /** Multiplies every latency, so every percentile scales by it. @default 1 */
  readonly latencyScale?: number;
  /** Share of requests that throw. @default 0 */
  readonly failureRate?: number;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface CheckoutResult {
  readonly status: 'confirmed';
  readonly orderId: string;
  readonly cartId: string;
  readonly build: string;
  readonly latencyMs: number;
}

/** The latency draw, exported for tests: median × scale × e^(σ·z), z standard normal. */
export function drawLatencyMs(profile: CheckoutProfile, random: () => number = profile.random ?? Math.random): number {
  const median = (profile.medianMs ?? 20) * (profile.latencyScale ?? 1);
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // The cap only guards against an absurd tail; it is far above any percentile the gate reads.
  return Math.min(median * Math.exp((profile.sigma ?? 0.5) * z), median * 50);
}

export async function simulateCheckout(event: unknown, profile: CheckoutProfile): Promise<CheckoutResult> {
  const random = profile.random ?? Math.random;
  const cartId = typeof event === 'object' && event !== null && 'cartId' in event ? String(event.cartId) : 'anonymous';
  const latencyMs = drawLatencyMs(profile, random);
  await sleep(latencyMs);
  if (random() < (profile.failureRate ?? 0)) {
    throw new Error(`checkout ${cartId} failed: payment provider did not answer (${profile.build})`);
  }
  return {
    status: 'confirmed',
    orderId: `ord_${Math.floor(random() * 2 ** 48).toString(36)}`,
    cartId,
    build: profile.build,
    latencyMs: Math.round(latencyMs * 100) / 100,
  };
}
