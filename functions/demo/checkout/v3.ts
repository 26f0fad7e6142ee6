/** Checkout v3: a bad release, 5% of requests throw. */
import { simulateCheckout } from './simulate.js';

export const handler = async (event: unknown) => simulateCheckout(event, { build: 'v3', failureRate: 0.05 });
