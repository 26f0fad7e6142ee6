/** Checkout v4: a slow release, every latency (so p99 too) three times v1's. */
import { simulateCheckout } from './simulate.js';

export const handler = async (event: unknown) => simulateCheckout(event, { build: 'v4', latencyScale: 3 });
