/** Checkout v2: a healthy release, behaving as v1 does. */
import { simulateCheckout } from './simulate.js';

export const handler = async (event: unknown) => simulateCheckout(event, { build: 'v2' });
