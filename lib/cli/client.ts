import { randomUUID } from 'node:crypto';
import type { CliConfig } from './config.js';
import { ApiCallError, type CliIssue, type ErrorBody } from './errors.js';

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 30s; long polls pass their wait plus a margin. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * How long a request keeps being retried while the gate is unavailable. Waits follow
 * exponential backoff with equal jitter, the n-th in [½, 1) × min(maxDelayMs, baseDelayMs × 2^(n−1))
 * (0.5–1 s, 1–2 s, 2–4 s … then 7.5–15 s), or Retry-After when the gate asks for longer; the request
 * gives up before its waits would add up to more than budgetMs.
 */
export interface RetryPolicy {
  readonly budgetMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 15_000 };

export interface RetryNotice {
  /** The failure that is retried. */
  readonly error: ApiCallError;
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
}

export interface ApiClientOptions {
  readonly sleep: (ms: number) => Promise<void>;
  /** Jitter in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
  /** For Retry-After given as a date. @default Date.now */
  readonly now?: (() => number) | undefined;
  readonly retry?: RetryPolicy | undefined;
  /** Told before each wait, so that people see why nothing happens. */
  readonly onRetry?: ((notice: RetryNotice) => void) | undefined;
}

/**
 * Any error answer in the API's shape: ours pass through; anything else becomes `http_<status>`
 * with its message (API Gateway's `{"message": "Forbidden"}`) or its text (a proxy's HTML page),
 * never a raw JSON document.
 */
function errorBody(status: number, text: string, statusText: string): ErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: a load balancer or proxy answered.
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { error, message, Message } = parsed as { error?: Partial<ErrorBody['error']>; message?: unknown; Message?: unknown };
    if (typeof error?.code === 'string' && typeof error.message === 'string') {
      const issues = Array.isArray(error.issues) ? (error.issues as CliIssue[]) : [];
      // A pre-flight refusal carries its forecast, which the CLI prints.
      const preflight = typeof error.preflight === 'object' && error.preflight !== null ? { preflight: error.preflight } : {};
      return { error: { code: error.code, message: error.message, issues, ...preflight } };
    }
    const said = [message, Message, error?.message].find((value): value is string => typeof value === 'string' && value.trim() !== '');
    return { error: { code: `http_${status}`, message: said ?? (statusText || 'no details'), issues: [] } };
  }
  return { error: { code: `http_${status}`, message: text.trim().slice(0, 200) || statusText || 'no details', issues: [] } };
}

function networkError(url: string, error: unknown): ApiCallError {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new ApiCallError(undefined, { error: { code: 'timeout', message: `no answer from ${url} in time`, issues: [] } }, { cause: error });
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return new ApiCallError(undefined, { error: { code: 'network_error', message: `cannot reach ${url}: ${detail}`, issues: [] } }, { cause: error });
}

/** Seconds (`5`) or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The gate's HTTP API with a bearer token: JSON in and out, every failure an ApiCallError.
 *
 * A request that may safely be sent again (a GET, or a POST with its Idempotency-Key, which every
 * POST gets) is retried while the gate is unavailable: no answer, 429, 502, 503, 504, or the first
 * attempt with the same key still running. Anything else fails at once.
 */
export class ApiClient {
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly retryPolicy: RetryPolicy;

  constructor(
    readonly config: CliConfig,
    private readonly fetchImpl: typeof fetch,
    private readonly options: ApiClientOptions,
  ) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.retryPolicy = options.retry ?? DEFAULT_RETRY;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) search.set(key, String(value));
    const url = `${this.config.url}${path}${search.size > 0 ? `?${search.toString()}` : ''}`;
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${this.config.token}`, ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    // The same key on every attempt: the gate answers a repeat with the first answer.
    if (method === 'POST' && headers['Idempotency-Key'] === undefined) headers['Idempotency-Key'] = randomUUID();
    const repeatable = method === 'GET' || method === 'HEAD' || headers['Idempotency-Key'] !== undefined;
    const attempt = () => this.send<T>(method, path, url, headers, options);
    if (!repeatable) return attempt();

    let waitedMs = 0;
    for (let retry = 1; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ApiCallError) || !this.retryable(error, headers)) throw error;
        const ceiling = Math.min(this.retryPolicy.maxDelayMs, this.retryPolicy.baseDelayMs * 2 ** (retry - 1));
        const backoff = Math.floor(ceiling / 2 + (this.random() * ceiling) / 2);
        const delayMs = Math.max(backoff, error.retryAfterMs ?? 0);
        if (waitedMs + delayMs > this.retryPolicy.budgetMs) throw error.afterRetries(retry, waitedMs);
        this.options.onRetry?.({ error, retry, delayMs });
        await this.options.sleep(delayMs);
        waitedMs += delayMs;
      }
    }
  }

  private retryable(error: ApiCallError, headers: Record<string, string>): boolean {
    if (error.transient) return true;
    return error.status === 409 && error.body.error.code === 'idempotency_in_progress' && headers['Idempotency-Key'] !== undefined;
  }

  private async send<T>(method: string, path: string, url: string, headers: Record<string, string>, options: RequestOptions): Promise<ApiAnswer<T>> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw networkError(`${method} ${this.config.url}${path}`, error);
    }
    if (!response.ok) {
      throw new ApiCallError(response.status, errorBody(response.status, text, response.statusText), { retryAfterMs: retryAfterMs(response.headers.get('Retry-After'), this.now()) });
    }
    try {
      return { status: response.status, body: JSON.parse(text) as T, headers: response.headers };
    } catch {
      throw new ApiCallError(response.status, { error: { code: 'invalid_response', message: `${method} ${path} answered ${response.status} without JSON`, issues: [] } });
    }
  }

  get<T>(path: string, query?: RequestOptions['query'], timeoutMs?: number): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path, { query, timeoutMs });
  }
}

/** A path segment, encoded; values were checked already, this is belt and braces. */
export const segment = (value: string) => encodeURIComponent(value);
