import type { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { FunctionNameSchema } from '../../api/schemas.js';
import { deliveryReport } from '../../engine/read.js';
import { DeliveryPage } from '../pages/delivery-page.js';
import { readSession } from '../session.js';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Whole UTC days from the date inputs; the window ends at the end of `until`. Defaults to the last 30 days. */
function windowFrom(query: Record<string, string>, now: number): { since: number; until: number; problems: string[] } {
  const problems: string[] = [];
  const parse = (text: string | undefined, name: string) => {
    if (text === undefined || text === '') return undefined;
    const at = DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(at)) problems.push(`${name} is not a date`);
    return Number.isNaN(at) ? undefined : at;
  };
  const untilDay = parse(query.until, 'To');
  const until = untilDay === undefined ? now : untilDay + DAY_MS;
  const since = parse(query.since, 'From') ?? until - 30 * DAY_MS;
  if (since >= until) return { since: until - 30 * DAY_MS, until, problems: [...problems, 'From must be before To'] };
  return { since, until, problems };
}

export function registerDeliveryRoutes(ui: Hono, deps: ApiDeps): void {
  ui.get('/ui/delivery', async (c) => {
    const session = await readSession(c, deps);
    const query = c.req.query();
    const { since, until, problems } = windowFrom(query, deps.engine.clock.now());
    const requested = query.function?.trim() || undefined;
    const fn = requested !== undefined && FunctionNameSchema.safeParse(requested).success ? requested : undefined;
    if (requested !== undefined && fn === undefined) problems.push('a function name is 1–64 letters, digits, - or _');
    const { metrics, truncated } = await deliveryReport(deps.engine.store, session.principal, { since, until, function: fn });
    return c.html(
      <DeliveryPage
        session={session}
        metrics={metrics}
        form={{ since: day(since), until: day(until - 1), function: fn }}
        truncated={truncated}
        error={problems.length === 0 ? undefined : `${problems.join('; ')}.`}
      />,
    );
  });
}
