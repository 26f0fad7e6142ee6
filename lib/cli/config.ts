import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './errors.js';

/** What `npm start` serves, and where it writes its admin token. */
export const LOCAL_URL = 'http://127.0.0.1:8787';
export const LOCAL_TOKEN_FILE = '.release-gate/local-token';

export interface CliConfig {
  readonly url: string;
  readonly token: string;
  /** Where the token came from, for the hint on a 401 or 403. */
  readonly tokenSource: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseUrl(text: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${source} expects an http(s) URL such as https://gate.example.com, got '${text}'`, source);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source} expects an http(s) URL, got '${text}'`, source);
  return url;
}

function readTokenFile(path: string): string | undefined {
  try {
    return nonEmpty(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `--url`/`--token` win over RELEASE_GATE_URL/RELEASE_GATE_TOKEN, which win over the local world's
 * defaults. The token file is read only for a loopback URL: a local admin token is never sent to
 * a remote gate because a pipeline forgot its secret (an empty variable counts as unset).
 */
export function resolveConfig(flags: { url?: string | undefined; token?: string | undefined }, env: Readonly<Record<string, string | undefined>>, cwd: string): CliConfig {
  const [urlText, urlSource] =
    flags.url !== undefined ? [flags.url, '--url'] : nonEmpty(env.RELEASE_GATE_URL) !== undefined ? [nonEmpty(env.RELEASE_GATE_URL)!, 'RELEASE_GATE_URL'] : [LOCAL_URL, 'the local default'];
  const url = parseUrl(urlText, urlSource);
  const base = url.href.replace(/\/+$/, '');

  if (nonEmpty(flags.token) !== undefined) return { url: base, token: nonEmpty(flags.token)!, tokenSource: '--token' };
  const fromEnv = nonEmpty(env.RELEASE_GATE_TOKEN);
  if (fromEnv !== undefined) return { url: base, token: fromEnv, tokenSource: 'RELEASE_GATE_TOKEN' };
  const tokenFile = resolve(cwd, LOCAL_TOKEN_FILE);
  const local = LOOPBACK_HOSTS.has(url.hostname);
  const fromFile = local ? readTokenFile(tokenFile) : undefined;
  if (fromFile !== undefined) return { url: base, token: fromFile, tokenSource: tokenFile };
  const hint = local ? `, or run npm start, which writes ${LOCAL_TOKEN_FILE}` : ` (${LOCAL_TOKEN_FILE} is read only for a local URL)`;
  throw new UsageError(`no token for ${base}: pass --token or set RELEASE_GATE_TOKEN${hint}`, '--token');
}
