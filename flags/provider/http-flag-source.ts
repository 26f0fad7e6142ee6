import type { FlagSetDocument } from '../../lib/flags/flag-schema.js';
import { FlagSourceError, type FlagSetFetch, type FlagSetSource } from './flag-source.js';

export interface HttpFlagSourceOptions {
  /** The gate API's base URL, such as `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: string;
  /** A bearer token with the `flags:read` scope. */
  readonly token?: string | undefined;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch | undefined;
  /** @default 5000 */
  readonly timeoutMs?: number | undefined;
}

/** Reads `GET <baseUrl>/flags` with If-None-Match, so an unchanged set costs a 304 and no parsing. */
export class HttpFlagSource implements FlagSetSource {
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpFlagSourceOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/flags`;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async fetch(etag?: string): Promise<FlagSetFetch> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (etag !== undefined && etag !== '') headers['if-none-match'] = etag;
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new FlagSourceError(`GET ${this.url} failed: ${String(error)}`, false, { cause: error });
    }
    if (response.status === 304) return { notModified: true };
    if (!response.ok) {
      // Credentials and addresses do not fix themselves; throttling and 5xx may.
      const fatal = response.status === 401 || response.status === 403 || response.status === 404;
      throw new FlagSourceError(`GET ${this.url} answered ${response.status}`, fatal);
    }
    let flagSet: unknown;
    try {
      flagSet = await response.json();
    } catch (error) {
      throw new FlagSourceError(`GET ${this.url} answered with a body that is not JSON`, false, { cause: error });
    }
    // The provider checks the document's shape before it replaces the set it serves.
    return { etag: response.headers.get('etag') ?? '', flagSet: flagSet as FlagSetDocument };
  }
}
