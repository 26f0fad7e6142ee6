/** Checkout v1: the stable build. */
import { simulateCheckout } from './simulate.js';

export const handler = async (event: unknown) => simulateCheckout(event, { build: 'v1' });
