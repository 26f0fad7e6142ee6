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
      return { error: { code: error.code, message: error.message, issues: Array.isArray(error.issues) ? (error.issues as CliIssue[]) : [] } };
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

/** The gate's HTTP API with a bearer token: JSON in and out, every failure an ApiCallError. */
export class ApiClient {
  constructor(
    readonly config: CliConfig,
    private readonly fetchImpl: typeof fetch,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) search.set(key, String(value));
    const url = `${this.config.url}${path}${search.size > 0 ? `?${search.toString()}` : ''}`;
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${this.config.token}`, ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
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
    if (!response.ok) throw new ApiCallError(response.status, errorBody(response.status, text, response.statusText));
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
