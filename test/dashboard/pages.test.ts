import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { tickDue } from '../../lib/engine/tick-due.js';
import { ADMIN } from '../support/api.js';
import { MINUTE } from '../support/fakes.js';
import { csrfOf, dashboardWorld, get, post, rolledBackRelease, signIn, type DashboardWorld } from './support.js';

let world: DashboardWorld;
beforeEach(async () => {
  world = await dashboardWorld();
});

/** A release of checkout v2 that has started and is progressing at 1%. */
async function progressingRelease(): Promise<string> {
  const created = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2' } });
  expect(created.status).toBe(201);
  await tickDue(world.engine);
  expect((await world.engine.store.get(created.body.id))?.state).toBe('progressing');
  return created.body.id as string;
}

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict cookie for a valid token and never shows the token', async () => {
    const page = await post(world, '/ui/login', { token: ADMIN, next: '/ui/flags' });
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/ui/flags');
    const cookie = page.headers.get('Set-Cookie')!;
    expect(cookie).toMatch(/^rg_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toMatch(/Secure/);
    const list = await get(world, '/', cookie.split(';')[0]);
    expect(list.status).toBe(200);
    expect(list.html).toContain('signed in as <strong>admin</strong>');
    expect(list.html).not.toContain(ADMIN);
  });

  it('marks the cookie Secure over https', async () => {
    const page = await post(world, '/ui/login', { token: ADMIN }, { url: 'https://gate.example.com/ui/login' });
    expect(page.headers.get('Set-Cookie')).toMatch(/; Secure/);
    const proxied = await post(world, '/ui/login', { token: ADMIN }, { headers: { 'X-Forwarded-Proto': 'https' } });
    expect(proxied.headers.get('Set-Cookie')).toMatch(/; Secure/);
  });

  it('refuses a bad token with the reason and sets no cookie', async () => {
    const wrong = `${ADMIN.slice(0, -4)}AAAA`;
    const page = await post(world, '/ui/login', { token: wrong });
    expect(page.status).toBe(401);
    expect(page.headers.get('Set-Cookie')).toBeNull();
    expect(page.html).toContain('That token was not accepted: the token is not valid.');
    expect(page.html).not.toContain(wrong);
    const malformed = await post(world, '/ui/login', { token: 'not a token' });
    expect(malformed.status).toBe(401);
    expect(malformed.html).toContain('the token is malformed');
  });

  it('refuses a revoked token at the next page, not only at sign-in', async () => {
    const token = await world.token(['releases:read']);
    const cookie = await signIn(world, token);
    expect((await get(world, '/', cookie)).status).toBe(200);
    const id = /^rg_([a-z0-9]{16})_/.exec(token)![1]!;
    expect((await world.call('DELETE', `/tokens/${id}`)).status).toBeLessThan(300);
    const page = await get(world, '/', cookie);
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/ui/login?next=%2F');
  });

  it('only sends people back to paths on this site', async () => {
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const page = await post(world, '/ui/login', { token: ADMIN, next });
      expect(page.headers.get('Location')).toBe('/');
    }
  });

  it('signs out by clearing the cookie', async () => {
    const page = await post(world, '/ui/logout', {}, { cookie: await signIn(world, ADMIN) });
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/ui/login?signed_out=1');
    expect(page.headers.get('Set-Cookie')).toMatch(/^rg_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict/);
  });
});

describe('without a session', () => {
  it('sends every page to the login form, remembering where the person was going', async () => {
    for (const path of ['/', '/ui/releases/rel-1', '/ui/flags', '/ui/delivery?since=2030-01-01']) {
      const page = await get(world, path);
      expect(page.status, path).toBe(303);
      expect(page.headers.get('Location')).toBe(`/ui/login?next=${encodeURIComponent(path)}`);
    }
    const stale = await get(world, '/', 'rg_session=rg_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(stale.status).toBe(303);
    expect(stale.headers.get('Set-Cookie')).toMatch(/^rg_session=; Max-Age=0/);
    const login = await get(world, '/ui/login?next=%2Fui%2Fflags');
    expect(login.status).toBe(200);
    expect(login.html).toContain('name="next" value="/ui/flags"');
    expect(login.html).toContain('type="password"');
  });

  it('keeps the API token-only: the cookie does not open it', async () => {
    const cookie = await signIn(world, ADMIN);
    const api = await world.app.request('/releases', { headers: { Cookie: cookie } });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: { code: 'unauthorized' } });
    // The dashboard's headers stay on its pages.
    expect(api.headers.get('Content-Security-Policy')).toBeNull();
  });
});

describe('the releases list', () => {
  it('shows each release with its state, newest first, filters by state and function, and pages with the store cursor', async () => {
    const rolledBack = await rolledBackRelease(world);
    world.engine.clock.advance(MINUTE);
    const pending = await world.call('POST', '/releases', { body: { function: 'checkout', version: '3', description: 'second try' } });
    const cookie = await signIn(world, ADMIN);

    const all = await get(world, '/', cookie);
    expect(all.status).toBe(200);
    expect(all.html).toContain('badge-rolled_back">rolled back</span>');
    expect(all.html).toContain('badge-pending">pending</span>');
    expect(all.html.indexOf(pending.body.id)).toBeLessThan(all.html.indexOf(rolledBack));
    // An active release on the page refreshes it.
    expect(all.html).toContain('location.reload()');

    const onlyRolledBack = await get(world, '/?state=rolled_back&function=checkout', cookie);
    expect(onlyRolledBack.html).toContain(rolledBack);
    expect(onlyRolledBack.html).not.toContain(pending.body.id);
    expect(onlyRolledBack.html).toContain('<option value="rolled_back" selected="">');

    const first = await get(world, '/?limit=1', cookie);
    expect(first.html).toContain(pending.body.id);
    expect(first.html).not.toContain(rolledBack);
    const older = /href="(\/\?limit=1&amp;cursor=[^"]+)"/.exec(first.html)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toBeDefined();
    const second = await get(world, older!, cookie);
    expect(second.html).toContain(rolledBack);
    expect(second.html).not.toContain(pending.body.id);
    expect(second.html).toContain('← Newest');

    const badCursor = await get(world, '/?state=pending&cursor=bm90LWEtY3Vyc29y', cookie);
    expect(badCursor.status).toBe(200);
    expect(badCursor.html).toContain('That page link does not belong to these filters');
    const badFilter = await get(world, '/?state=exploded', cookie);
    expect(badFilter.html).toContain('no state called &#39;exploded&#39;');
  });

  it('hides releases of functions outside the token', async () => {
    await rolledBackRelease(world);
    const cookie = await signIn(world, await world.token(['releases:read'], ['orders-*']));
    const page = await get(world, '/', cookie);
    expect(page.status).toBe(200);
    expect(page.html).toContain('No releases yet.');
    expect((await get(world, '/?function=checkout', cookie)).status).toBe(403);
  });
});

describe('views draw what the gate stored', () => {
  it('reads the release page and the metrics route many times without a single GetMetricData call, showing the periods the gate judged', async () => {
    const id = await progressingRelease();
    for (let minute = 0; minute < 4; minute += 1) {
      world.engine.clock.advance(MINUTE);
      await tickDue(world.engine);
    }
    const evaluatorCalls = world.aws.cloudwatchMock.commandCalls(GetMetricDataCommand).length;
    expect(evaluatorCalls).toBeGreaterThan(0);
    const cookie = await signIn(world, ADMIN);
    const bodies: unknown[] = [];
    for (let view = 0; view < 25; view += 1) {
      expect((await get(world, `/ui/releases/${id}`, cookie)).status).toBe(200);
      bodies.push((await world.call('GET', `/releases/${id}/metrics`)).body);
    }
    expect(world.aws.cloudwatchMock.commandCalls(GetMetricDataCommand).length).toBe(evaluatorCalls);
    // What the views show is what the last decision judged: its window's counts, not a fresh reading.
    const metrics = bodies.at(-1) as { observation: { ok: boolean; periods: { canary: { invocations: number } }[] } };
    expect(metrics.observation.ok).toBe(true);
    const judged = (await world.engine.store.get(id))!.decisions.at(-1)!.judgement!;
    expect(metrics.observation.periods.reduce((sum, period) => sum + period.canary.invocations, 0)).toBe(judged.canaryRequests);
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  });
});

describe('a rolled-back release', () => {
  it('explains the rollback, charts every SLI against its limit and shows the timeline', async () => {
    const id = await rolledBackRelease(world);
    const page = await get(world, `/ui/releases/${id}`, await signIn(world, ADMIN));
    expect(page.status).toBe(200);
    const { html } = page;
    expect(html).toContain('badge-rolled_back">rolled back</span>');
    expect(html).toMatch(/<strong>Why: <\/strong>rolled back at 1%: error-rate-vs-baseline: error rate 10% \(\d+\/\d+\) vs baseline/);

    // The default policy: an error-rate chart (ceiling), p99 with its sequential test's limit, and each sequential test's statistic against ln(1/α).
    const charts = html.match(/<svg class="chart" viewBox="[^"]+" role="img"[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(4);
    const titled = (title: string) => charts.find((chart) => chart.includes(`-title">${title}</title>`));
    const [errorRate, p99, sequential, slowRequests] = ['Error rate', 'p99 latency', 'Sequential test: error-rate-vs-baseline', 'Sequential test: p99-vs-baseline'].map(titled);
    expect(errorRate).toContain('<title id="chart-error_rate-title">Error rate</title>');
    expect(errorRate).toMatch(/<line class="threshold" x1="58" x2="530" y1="[\d.]+" y2="[\d.]+"><\/line>/);
    expect(errorRate).toContain('error-rate-ceiling ≤ 1%');
    expect(errorRate).toContain('class="series series-canary"');
    expect(errorRate).toContain('class="series series-baseline"');
    expect(sequential).toContain('roll back: ln(1/α) = 5.3');
    expect(sequential).toMatch(/<line class="threshold" /);
    expect(sequential).toContain('class="series series-statistic"');
    // This world's metrics count no slow requests, so the p99 test only compares percentiles and records no statistic.
    expect(slowRequests).toContain('roll back: ln(1/α) = 6.2');
    expect(slowRequests).toContain('no decision has measured this test yet');
    expect(p99).toContain('<title id="chart-latency-p99-title">p99 latency</title>');
    expect(p99).toContain('class="series series-limit"');
    for (const chart of charts) {
      expect(chart).toContain('class="marker marker-rollback"');
      expect(chart).toMatch(/<desc id="[^"]+">/);
    }
    // Axis labels and a text fallback for each chart.
    expect(html).toContain('errors / invocations (%)');
    expect(html.match(/<summary>Data table \(\d+ rows\)<\/summary>/g)).toHaveLength(3);

    // The plan and the decisions, the rollback highlighted with its checks.
    expect(html).toContain('rolled back here');
    expect(html).toMatch(/<li class="danger"><time[^>]*>[\d:]+<\/time><div class="what"><span class="tag">rollback<\/span>rolled back at 1%/);
    expect(html).toContain('<span class="badge badge-fail">fail</span>');
    expect(html).toContain('alias back on the stable version');
    expect(html).toContain('No action applies while the release is rolled back.');
    // Nothing left to watch: no auto-refresh.
    expect(html).not.toContain('location.reload()');
  });

  it('answers 404 for an unknown release or one outside the token', async () => {
    const id = await rolledBackRelease(world);
    const admin = await signIn(world, ADMIN);
    expect((await get(world, '/ui/releases/rel-nope', admin)).status).toBe(404);
    expect((await get(world, '/ui/releases/bad%20id!', admin)).status).toBe(404);
    const outsider = await signIn(world, await world.token(['releases:read'], ['orders']));
    const hidden = await get(world, `/ui/releases/${id}`, outsider);
    expect(hidden.status).toBe(404);
    expect(hidden.html).toContain('Not found');
  });

  it('says to try again shortly, with Retry-After, while DynamoDB stays unavailable', async () => {
    const id = await rolledBackRelease(world);
    const admin = await signIn(world, ADMIN);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400, attempts: 3 } });
    vi.spyOn(world.engine.store, 'get').mockRejectedValue(new DependencyUnavailableError('dynamodb', 'GetItem', { cause: throttled }));
    const page = await get(world, `/ui/releases/${id}`, admin);
    expect(page.status).toBe(503);
    expect(page.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(page.html).toContain('Try again shortly');
    expect(page.html).toContain('DynamoDB');
  });

  it('escapes HTML in what people wrote', async () => {
    const description = `<script>alert("x")</script> & <img src=x onerror=alert(1)>`;
    const id = await rolledBackRelease(world, description);
    const cookie = await signIn(world, ADMIN);
    for (const path of [`/ui/releases/${id}`, '/']) {
      const { html } = await get(world, path, cookie);
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
    }
  });
});

describe('actions', () => {
  it('shows a read-only token no working action and refuses its posts with a 403 page', async () => {
    const id = await progressingRelease();
    const cookie = await signIn(world, await world.token(['releases:read']));
    const page = await get(world, `/ui/releases/${id}`, cookie);
    expect(page.html).not.toContain('formaction=');
    expect(page.html).toContain('Your token cannot pause, promote to 100%, abort, or roll back this release: that needs releases:write or releases:approve.');
    for (const action of ['pause', 'rollback', 'promote']) {
      const refused = await post(world, `/ui/releases/${id}/${action}`, { csrf: csrfOf(page.html), reason: 'trying' }, { cookie });
      expect(refused.status, action).toBe(403);
      expect(refused.html).toMatch(/this token lacks the scope releases:(write|approve)/);
    }
    expect((await world.engine.store.get(id))?.state).toBe('progressing');
  });

  it('pauses with a valid CSRF token, records who did it, and offers what the new state allows', async () => {
    const id = await progressingRelease();
    const cookie = await signIn(world, ADMIN);
    const page = await get(world, `/ui/releases/${id}`, cookie);
    expect(page.html).toContain(`formaction="/ui/releases/${id}/pause"`);
    expect(page.html).toContain(`formaction="/ui/releases/${id}/rollback"`);
    expect(page.html).not.toContain(`formaction="/ui/releases/${id}/resume"`);
    expect(page.html).toContain('location.reload()');

    const done = await post(world, `/ui/releases/${id}/pause`, { csrf: csrfOf(page.html), reason: 'checking a dashboard' }, { cookie });
    expect(done.status).toBe(303);
    expect(done.headers.get('Location')).toBe(`/ui/releases/${id}`);
    const paused = await world.engine.store.get(id);
    expect(paused).toMatchObject({ state: 'paused', actors: [{ actor: 'admin', action: 'pause', reason: 'checking a dashboard' }] });

    const after = await get(world, `/ui/releases/${id}`, cookie);
    expect(after.html).toContain(`formaction="/ui/releases/${id}/resume"`);
    expect(after.html).not.toContain(`formaction="/ui/releases/${id}/pause"`);
    expect(after.html).toContain('admin · pause at');
  });

  it('refuses a post without the CSRF field, with another session\'s, or from another site', async () => {
    const id = await progressingRelease();
    const cookie = await signIn(world, ADMIN);
    const other = csrfOf((await get(world, `/ui/releases/${id}`, await signIn(world, await world.token(['releases:write'])))).html);
    const mine = csrfOf((await get(world, `/ui/releases/${id}`, cookie)).html);
    expect(other).not.toBe(mine);
    const forms: Record<string, string>[] = [{ reason: 'x' }, { csrf: other, reason: 'x' }, { csrf: '', reason: 'x' }];
    for (const fields of forms) {
      const refused = await post(world, `/ui/releases/${id}/pause`, fields, { cookie });
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('this form did not come from your dashboard session');
    }
    const crossSite = await post(world, `/ui/releases/${id}/pause`, { csrf: mine, reason: 'x' }, { cookie, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.html).toContain('forms posted from another site are refused');
    expect((await world.engine.store.get(id))?.state).toBe('progressing');
  });

  it('asks for a reason where the API does, and explains a state that no longer allows the action', async () => {
    const id = await progressingRelease();
    const cookie = await signIn(world, ADMIN);
    const csrf = csrfOf((await get(world, `/ui/releases/${id}`, cookie)).html);
    const noReason = await post(world, `/ui/releases/${id}/rollback`, { csrf, reason: '   ' }, { cookie });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toContain('Could not rollback: it overrides the gate and needs a reason');
    expect((await world.engine.store.get(id))?.state).toBe('progressing');

    const resume = await post(world, `/ui/releases/${id}/resume`, { csrf }, { cookie });
    expect(resume.status).toBe(409);
    expect(resume.html).toContain('Could not resume: the release is progressing.');
    // An answer to a POST must not reload itself into a second POST.
    expect(resume.html).not.toContain('location.reload()');

    const rolledBack = await post(world, `/ui/releases/${id}/rollback`, { csrf, reason: 'customer reports' }, { cookie });
    expect(rolledBack.status).toBe(303);
    expect((await world.engine.store.get(id))?.state).toBe('rolled_back');
    expect((await post(world, `/ui/releases/${id}/explode`, { csrf }, { cookie })).status).toBe(404);
  });
});

describe('the alias beside the plan', () => {
  const text = (html: string) => html.replace(/<[^>]+>/g, '').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
  const aliasRow = (html: string) => text(/<dt>Alias<\/dt><dd[^>]*>([\s\S]*?)<\/dd>/.exec(html)?.[1] ?? '');

  it('shows the routing last read back beside the plan\'s weight', async () => {
    const id = await progressingRelease();
    const { html } = await get(world, `/ui/releases/${id}`, await signIn(world, ADMIN));
    expect(html).toContain('aria-label="the plan&#39;s share for version 2: 1%"');
    expect(aliasRow(html)).toMatch(/^99% to version 1 and 1% to version 2, read back 2030-01-07 10:00:00 UTC$/);
    expect(html).not.toContain('The alias was changed outside Release Gate');
  });

  it('during a drift shows what the alias routes, how to set it back or abort, and refuses a resume until it is set back', async () => {
    const id = await progressingRelease();
    world.aws.setAlias('checkout', 'live', '1', { '2': 0.33 });
    world.engine.clock.advance(MINUTE);
    await tickDue(world.engine);
    const cookie = await signIn(world, ADMIN);
    const page = await get(world, `/ui/releases/${id}`, cookie);
    expect(page.html).toContain('badge-paused">paused</span>');
    expect(aliasRow(page.html)).toBe(
      'routes 67% to version 1 and 33% to version 2, changed outside the gate (found 2030-01-07 10:01:00 UTC); the gate expects 99% to version 1 and 1% to version 2',
    );
    const box = text(/<section class="notice warning"[\s\S]*?<\/section>/.exec(page.html)?.[0] ?? '');
    expect(box).toContain('The alias was changed outside Release Gate');
    expect(box).toContain('checkout:live routes 67% to version 1 and 33% to version 2; this release expects 99% to version 1 and 1% to version 2.');
    expect(box).toContain(`aws lambda update-alias --function-name checkout --name live --function-version 1 --routing-config '{"AdditionalVersionWeights":{"2":0.01}}'`);
    expect(box).toContain('Or abort the release: the gate returns the alias to version 1.');
    expect(page.html).toContain(`formaction="/ui/releases/${id}/abort"`);

    const refused = await post(world, `/ui/releases/${id}/resume`, { csrf: csrfOf(page.html) }, { cookie });
    expect(refused.status).toBe(409);
    expect(text(refused.html)).toContain('Could not resume: alias checkout:live routes 67% to version 1 and 33% to version 2, but the release expects 99% to version 1 and 1% to version 2.');
    expect((await world.engine.store.get(id))?.state).toBe('paused');

    world.aws.setAlias('checkout', 'live', '1', { '2': 0.01 });
    expect((await post(world, `/ui/releases/${id}/resume`, { csrf: csrfOf(page.html) }, { cookie })).status).toBe(303);
    const waiting = await get(world, `/ui/releases/${id}`, cookie);
    expect(waiting.html).not.toContain('The alias was changed outside Release Gate');
    expect(aliasRow(waiting.html)).toBe('99% to version 1 and 1% to version 2 when last read back; the gate reads it again before the step counts time');
    await tickDue(world.engine);
    expect(aliasRow((await get(world, `/ui/releases/${id}`, cookie)).html)).toBe('99% to version 1 and 1% to version 2, read back 2030-01-07 10:01:00 UTC');
  });

  it('says a pause without a reason once', async () => {
    const id = await progressingRelease();
    const cookie = await signIn(world, ADMIN);
    const csrf = csrfOf((await get(world, `/ui/releases/${id}`, cookie)).html);
    expect((await post(world, `/ui/releases/${id}/pause`, { csrf, reason: '' }, { cookie })).status).toBe(303);
    const { html } = await get(world, `/ui/releases/${id}`, cookie);
    expect(html).toContain('<strong>Why: </strong>paused by admin</p>');
    expect(html).toMatch(/<span class="tag">paused<\/span>paused by admin</);
    expect(html).not.toContain('paused by admin: paused by admin');
  });
});

describe('flags and delivery', () => {
  it('shows each flag with its state, variants, cohort ramps and recent versions, and the cohorts', async () => {
    const flags = world.flagService;
    const who = { actor: 'ana@example.com', reason: 'beta program' };
    await flags.putCohort({ name: 'beta', rule: { in: [{ var: 'email' }, ['ana@example.com', 'bo@example.com']] }, ...who });
    await flags.putFlag({ key: 'new-checkout', definition: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', metadata: { description: 'One-page <checkout>' } }, ...who });
    await flags.ramp({ key: 'new-checkout', cohort: 'beta', percent: 25, actor: 'bo', reason: 'first ramp' });
    const page = await get(world, '/ui/flags', await signIn(world, ADMIN));
    expect(page.status).toBe(200);
    const { html } = page;
    expect(html).toContain('<h2 id="flag-new-checkout" class="mono">new-checkout</h2>');
    expect(html).toContain('badge-ENABLED">enabled</span>');
    expect(html).toContain('One-page &lt;checkout&gt;');
    expect(html).toMatch(/<strong class="mono">beta<\/strong><span class="weight"><svg[^>]*aria-label="beta served on: 25%"/);
    expect(html).toContain('<td>bo</td><td>first ramp</td>');
    expect(html).toContain('<td class="mono">beta</td>');
    expect(html).toContain('&quot;ana@example.com&quot;');

    const noFlagScope = await get(world, '/ui/flags', await signIn(world, await world.token(['releases:read'])));
    expect(noFlagScope.status).toBe(403);
    expect(noFlagScope.html).toContain('this token lacks the scope flags:read');
  });

  it('shows the delivery metrics of the last 30 days with what each means', async () => {
    await rolledBackRelease(world);
    const page = await get(world, '/ui/delivery', await signIn(world, ADMIN));
    expect(page.status).toBe(200);
    const { html } = page;
    expect(html).toContain('value="2029-12-08"');
    expect(html).toContain('value="2030-01-07"');
    expect(html).toMatch(/1 release created from 2029-12-08 to 2030-01-07: 0 succeeded, 1 rolled back/);
    expect(html).toMatch(/<h2>Change failure rate<\/h2><p class="kpi">100%<\/p>/);
    expect(html).toMatch(/<h2>Rollback success<\/h2><p class="kpi">100%<\/p>/);
    expect(html).toContain('Finished releases that the gate or a person rolled back.');

    const earlier = await get(world, '/ui/delivery?since=2029-01-01&until=2029-12-31', await signIn(world, ADMIN));
    expect(earlier.html).toMatch(/0 releases created from 2029-01-01 to 2029-12-31/);
    expect(earlier.html).toMatch(/<h2>Change failure rate<\/h2><p class="kpi">—<\/p>/);
    const bad = await get(world, '/ui/delivery?since=yesterday', await signIn(world, ADMIN));
    expect(bad.html).toContain('From is not a date.');
  });

  it('sends security headers with every page', async () => {
    const page = await get(world, '/ui/login');
    expect(page.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'.*frame-ancestors 'none'/);
    expect(page.headers.get('X-Frame-Options')).toBe('DENY');
    expect(page.headers.get('Cache-Control')).toBe('no-store');
    const missing = await get(world, '/ui/nowhere', await signIn(world, ADMIN));
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('page /ui/nowhere not found');
    expect(missing.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
  });
});

describe('the pre-flight', () => {
  const text = (html: string) => html.replace(/<[^>]+>/g, '').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
  const card = (html: string) => /<section class="card" aria-labelledby="preflight-heading">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';

  async function releaseAt(requestsPerMinute: number, policy?: unknown): Promise<string> {
    // An hour of history on version 1 for the forecast to read.
    world.engine.clock.advance(62 * MINUTE);
    world.aws.behaviour.set('1', { requestsPerMinute, errorRate: 0.01, p99: 300 });
    const created = await world.call('POST', '/releases', { body: { function: 'checkout', version: '2', ...(policy === undefined ? {} : { policy }) } });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  it('shows the summary, a captioned table of the steps and the warnings, under its own heading', async () => {
    const id = await releaseAt(200);
    const { html } = await get(world, `/ui/releases/${id}`, await signIn(world, ADMIN));
    const section = card(html);
    expect(section).toContain('<h2 id="preflight-heading">Pre-flight</h2>');
    expect(text(section)).toMatch(/200 requests\/min at 1% errors; expected \S+ to 100% \(slow case \S+\); .*: judged on its traffic/);
    expect(section).toMatch(/<caption class="sr-only">Forecast of each traffic step[^<]*<\/caption>/);
    expect(section.match(/<th scope="col">/g)).toHaveLength(5);
    expect(text(section)).toContain('13%6');
    expect(text(section)).toMatch(/350%100\S+ until the evidence is in/);
    expect(text(section)).toContain('first_step_raised: first step raised from 1% to 3%');
    expect(text(section)).toContain('Modejudged on its own traffic');
    expect(text(section)).toMatch(/Least possible\d+m to 100%: any gate with this policy's α and β needs that long at this traffic/);
    expect(html).not.toContain('Unjudged: on time alone');
  });

  it('labels a release on time alone unjudged, on its page and in the list', async () => {
    const id = await releaseAt(20, { checks: [{ sli: { kind: 'error_rate' }, method: 'sequential' }], evidence: { onInfeasible: 'time' } });
    const cookie = await signIn(world, ADMIN);
    const { html } = await get(world, `/ui/releases/${id}`, cookie);
    // Beside the state, in words (not colour alone), and explained in the pre-flight.
    expect(html).toMatch(/<div class="headline">[\s\S]*?badge-pending">pending<\/span><span class="badge badge-warning">Unjudged: on time alone<\/span>/);
    expect(card(html)).toMatch(/<p class="notice warning" role="note"><strong>Unjudged: on time alone\.<\/strong>/);
    expect(text(card(html))).toContain('Mode' + 'Unjudged: on time alone');
    const list = await get(world, '/', cookie);
    const row = /<tr>(?:(?!<\/tr>)[\s\S])*?<\/tr>/g;
    const rows = list.html.match(row)?.filter((entry) => entry.includes(id)) ?? [];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('<span class="badge badge-warning">Unjudged: on time alone</span>');
  });

  it('says there is no forecast when the gate had no reading', async () => {
    const id = await progressingRelease();
    const { html } = await get(world, `/ui/releases/${id}`, await signIn(world, ADMIN));
    expect(text(card(html))).toContain("No forecast: the gate had no reading of the stable version's traffic");
    expect((await get(world, '/', await signIn(world, ADMIN))).html).not.toContain('Unjudged');
  });
});
