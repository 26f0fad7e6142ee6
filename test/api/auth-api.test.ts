import { beforeEach, describe, expect, it } from 'vitest';
import { mintToken, parseToken } from '../../lib/api/tokens.js';
import type { Scope } from '../../lib/ports.js';
import { apiWorld, type ApiWorld } from '../support/api.js';

let world: ApiWorld;
beforeEach(async () => {
  world = await apiWorld();
});

const start = (token: string, fn = 'checkout') => world.call('POST', '/releases', { body: { function: fn, version: '2' }, token });

describe('authentication', () => {
  it.each([
    ['no header', null, undefined],
    ['another scheme', null, { Authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['a malformed token', 'not-a-token', undefined],
    ['an unknown token', mintToken().token, undefined],
  ])('answers 401 for %s', async (_name, token, headers) => {
    const response = await world.call('GET', '/releases', { token, headers });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });

  it('answers 401 for a known id with a wrong secret, the same as for an unknown id', async () => {
    const token = await world.token(['releases:read']);
    const forged = `${token.slice(0, 20)}${'A'.repeat(token.length - 20)}`;
    const wrong = await world.call('GET', '/releases', { token: forged });
    const unknown = await world.call('GET', '/releases', { token: mintToken().token });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('stores only a hash, shows the secret once, and stops a revoked token', async () => {
    const minted = await world.call('POST', '/tokens', { body: { subject: 'ci@checkout', scopes: ['releases:read'] } });
    expect(minted.status).toBe(201);
    // The secret is base64url, so it may hold `_` itself: parse, never split.
    const secret = parseToken(minted.body.token as string)!.secret;
    const listed = await world.call('GET', '/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(listed.body.items.find((item: { id: string }) => item.id === minted.body.id)).not.toHaveProperty('secretHash');
    expect((await world.call('GET', '/releases', { token: minted.body.token })).status).toBe(200);
    const revoked = await world.call('DELETE', `/tokens/${minted.body.id}`);
    expect(revoked.body).toMatchObject({ id: minted.body.id, revokedBy: 'admin' });
    expect(await world.call('GET', '/releases', { token: minted.body.token })).toMatchObject({ status: 401, body: { error: { message: 'the token was revoked' } } });
    expect((await world.call('DELETE', '/tokens/nosuchtoken')).status).toBe(404);
  });

  it('pages the token list: every token once, bounded pages, bad paging refused', async () => {
    const minted = new Set<string>();
    for (let index = 0; index < 7; index += 1) minted.add((await world.call('POST', '/tokens', { body: { subject: `ci-${index}`, scopes: ['releases:read'] } })).body.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await world.call('GET', `/tokens?limit=3${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual([...minted].sort());
    expect((await world.call('GET', '/tokens')).body.items).toHaveLength(7);
    for (const query of ['limit=0', 'limit=101', 'limit=x']) expect((await world.call('GET', `/tokens?${query}`)).body.error.issues[0].path).toBe('query.limit');
    expect((await world.call('GET', '/tokens?cursor=%%%')).body.error.code).toBe('invalid_cursor');
  });

  it('refuses an expired token', async () => {
    const expiresAt = new Date(world.engine.clock.now() + 60_000).toISOString();
    const minted = await world.call('POST', '/tokens', { body: { subject: 'short-lived', scopes: ['releases:read'], expiresAt } });
    expect((await world.call('GET', '/releases', { token: minted.body.token })).status).toBe(200);
    world.engine.clock.advance(60_000);
    expect(await world.call('GET', '/releases', { token: minted.body.token })).toMatchObject({ status: 401, body: { error: { message: 'the token has expired' } } });
    expect((await world.call('POST', '/tokens', { body: { subject: 'past', scopes: ['admin'], expiresAt: '2000-01-01T00:00:00Z' } })).status).toBe(400);
  });
});

describe('scopes and resource patterns', () => {
  const cases: [string, Scope[], number][] = [
    ['read only', ['releases:read'], 403],
    ['write', ['releases:write'], 201],
    ['flags only', ['flags:read', 'flags:write'], 403],
  ];
  it.each(cases)('POST /releases with %s → %i', async (_name, scopes, status) => {
    expect((await start(await world.token(scopes))).status).toBe(status);
  });

  it('binds a token to function globs, and hides other functions from it', async () => {
    world.aws.setAlias('payments', 'live', '1');
    world.aws.versions.set('payments:2', { role: 'arn:aws:iam::1:role/checkout', codeSha256: 'x' });
    world.aws.versions.set('payments:1', { role: 'arn:aws:iam::1:role/checkout', codeSha256: 'y' });
    const checkoutTeam = await world.token(['releases:write', 'releases:read'], ['check*']);
    expect((await start(checkoutTeam)).status).toBe(201);
    const refused = await start(checkoutTeam, 'payments');
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const payments = await start(await world.token(['releases:write']), 'payments');
    expect((await world.call('GET', `/releases/${payments.body.id}`, { token: checkoutTeam })).status).toBe(404);
    const listed = await world.call('GET', '/releases', { token: checkoutTeam });
    expect(listed.body.items.map((item: { function: string }) => item.function)).toEqual(['checkout']);
    expect((await world.call('GET', '/releases?function=payments', { token: checkoutTeam })).status).toBe(403);
  });

  it('needs releases:approve to approve or promote, and records who did', async () => {
    const { body } = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
    const writer = await world.token(['releases:write', 'releases:read']);
    expect((await world.call('POST', `/releases/${body.id}/promote`, { body: { reason: 'urgent' }, token: writer })).status).toBe(403);
    const approver = await world.token(['releases:approve', 'releases:read']);
    const { tickDue } = await import('../../lib/engine/tick-due.js');
    await tickDue(world.engine);
    const promoted = await world.call('POST', `/releases/${body.id}/promote`, { body: { reason: 'urgent fix' }, token: approver });
    expect(promoted.body).toMatchObject({ state: 'promoted', actors: [{ actor: 'test-releases:approve.releases:read', action: 'promote', reason: 'urgent fix' }] });
  });

  it('keeps token administration to admin', async () => {
    const writer = await world.token(['releases:write']);
    expect((await world.call('POST', '/tokens', { body: { subject: 'x', scopes: ['admin'] }, token: writer })).status).toBe(403);
    expect((await world.call('GET', '/tokens', { token: writer })).status).toBe(403);
  });
});
