/** The baseline: the smallest Hono app on Lambda, bundled like the gate's functions. */
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

const app = new Hono().get('/', (c) => c.text('ok'));

export const handler = handle(app);
