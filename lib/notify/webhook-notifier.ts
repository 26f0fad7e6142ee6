import { createHmac } from 'node:crypto';
import type { Notice, Notifier } from '../ports.js';

/** The JSON every notifier sends, so one subscriber can read SNS and webhooks alike. */
export function noticePayload(notice: Notice) {
  const { release } = notice;
  return {
    kind: notice.kind,
    message: notice.message,
    release: {
      id: release.id,
      function: release.function,
      alias: release.alias,
      version: release.version,
      stableVersion: release.stableVersion,
      state: release.state,
      weight: release.weight,
    },
  };
}

export const SIGNATURE_HEADER = 'X-Release-Gate-Signature';

/** `sha256=<hex>` of the exact body bytes, as GitHub signs its webhooks. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface WebhookNotifierOptions {
  readonly url: string;
  /** When set, each body is signed in `X-Release-Gate-Signature` so the receiver can check who sent it. */
  readonly secret?: string | undefined;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** POSTs each notice as JSON. A non-2xx answer or a timeout rejects; the caller decides what to log. */
export class WebhookNotifier implements Notifier {
  private readonly url: string;
  private readonly secret: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: WebhookNotifierOptions) {
    this.url = new URL(options.url).toString();
    this.secret = options.secret;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async notify(notice: Notice): Promise<void> {
    const body = JSON.stringify(noticePayload(notice));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(this.secret, body);
    const response = await this.fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) {
      // The origin only: webhook paths often carry a secret (Slack, Teams).
      throw new Error(`webhook ${new URL(this.url).origin} answered ${response.status} ${response.statusText}`.trim());
    }
  }
}
