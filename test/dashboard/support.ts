import { expect } from 'vitest';
import { DASHBOARD_PUBLIC_PATHS, dashboard } from '../../lib/dashboard/index.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { FlagService } from '../../lib/flags/flag-service.js';
import { MemoryFlagStore } from '../../lib/memory/memory-flag-store.js';
import { apiWorld, type ApiWorld } from '../support/api.js';
import { FakeClock, MINUTE } from '../support/fakes.js';

export interface DashboardWorld extends ApiWorld {
  readonly flagService: FlagService;
}

/** The gate app with the dashboard mounted, on DynamoDB Local and mocked AWS, with a flag service in memory. */
export async function dashboardWorld(): Promise<DashboardWorld> {
  const flagService = new FlagService(new MemoryFlagStore(), new FakeClock());
  const world = await apiWorld({ flags: flagService }, { extensions: [dashboard()], publicPaths: [...DASHBOARD_PUBLIC_PATHS], flagService });
  return { ...world, flagService };
}

export interface Page {
  readonly status: number;
  readonly html: string;
  readonly headers: Headers;
}

async function answer(response: Response): Promise<Page> {
  return { status: response.status, html: await response.text(), headers: response.headers };
}

export async function get(world: ApiWorld, path: string, cookie?: string): Promise<Page> {
  return answer(await world.app.request(path, { headers: cookie === undefined ? {} : { Cookie: cookie } }));
}

/** Posts a form as a browser does: urlencoded, with the session cookie. */
export async function post(world: ApiWorld, path: string, fields: Record<string, string>, options: { cookie?: string; headers?: Record<string, string>; url?: string } = {}): Promise<Page> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', ...options.headers };
  if (options.cookie !== undefined) headers.Cookie = options.cookie;
  return answer(await world.app.request(options.url ?? path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() }));
}

/** Signs in through the form and returns the Cookie header a browser would send back. */
export async function signIn(world: ApiWorld, token: string): Promise<string> {
  const page = await post(world, '/ui/login', { token, next: '/' });
  expect(page.status).toBe(303);
  const cookie = page.headers.get('Set-Cookie');
  expect(cookie).toMatch(/^rg_session=/);
  return cookie!.split(';')[0]!;
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (match === null) throw new Error('the page has no CSRF field');
  return match[1]!;
}

/** Ticks the evaluator minute by minute until the release settles (or is paused). */
export async function runUntilSettled(world: ApiWorld, id: string, maxMinutes = 60): Promise<string> {
  for (let minute = 0; minute < maxMinutes; minute += 1) {
    await tickDue(world.engine);
    const release = await world.engine.store.get(id);
    if (release !== undefined && ['succeeded', 'rolled_back', 'aborted', 'paused'].includes(release.state)) return release.state;
    world.engine.clock.advance(MINUTE);
  }
  return (await world.engine.store.get(id))!.state;
}

/** A release of checkout v2 that fails 5% of requests, driven until the gate rolls it back. */
export async function rolledBackRelease(world: ApiWorld, description = 'bad build'): Promise<string> {
  world.aws.behaviour.set('2', { requestsPerMinute: 1000, errorRate: 0.05, p99: 300 });
  const created = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2', description } });
  expect(created.status).toBe(201);
  expect(await runUntilSettled(world, created.body.id)).toBe('rolled_back');
  return created.body.id as string;
}
