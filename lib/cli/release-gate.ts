/**
 * `release-gate`: starts and follows gated releases, acts on them, ramps flags and prints the
 * delivery report, through the gate's HTTP API. `main` takes its world as arguments, so tests
 * run it in-process; the exit codes are documented in help.ts and errors.ts.
 */
import { realpathSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { formatDuration } from '../core/duration.js';
import { ApiClient } from './client.js';
import { COMMANDS } from './commands/index.js';
import { resolveConfig, type CliConfig } from './config.js';
import { ApiCallError, EXIT, UsageError } from './errors.js';
import { commandHelp, globalHelp, groupHelp } from './help.js';
import { processIo, type CliIo } from './io.js';
import { Output } from './output.js';
import { parseCommandLine } from './parse-command-line.js';

export type { CliIo } from './io.js';
export { EXIT } from './errors.js';

/** The configuration of a command that needs none. */
const OFFLINE: CliConfig = { url: 'http://offline.invalid', token: '', tokenSource: 'none: an offline command' };

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // Known before parsing, so even a bad command line is reported as JSON when asked.
  const out = new Output(io, argv.includes('--json'));
  let commandName: string | undefined;
  let config: CliConfig | undefined;
  try {
    const line = parseCommandLine(argv, COMMANDS);
    if (line.kind === 'help') {
      io.stdout.write(line.command ? commandHelp(line.command) : line.group ? groupHelp(line.group, COMMANDS) : globalHelp(COMMANDS));
      return EXIT.ok;
    }
    commandName = line.command.name;
    const now = io.now ?? Date.now;
    const cwd = io.cwd ?? process.cwd();
    const run = line.command.prepare(line.args, { cwd, now: now() });
    const sleep = io.sleep ?? ((ms: number) => delay(ms));
    if (line.command.offline === true) {
      const refuse = () => Promise.reject(new Error(`${commandName} works offline and must not call the gate`));
      return await run({ client: new ApiClient(OFFLINE, refuse, { sleep }), out, now, sleep });
    }
    config = resolveConfig({ url: line.url, token: line.token }, io.env, cwd);
    const client = new ApiClient(config, io.fetch, {
      sleep,
      random: io.random,
      now,
      onRetry: ({ error, retry, delayMs }) => out.note(`${retryText(error)}; trying again in ${formatDuration(delayMs)} (retry ${retry})`),
    });
    return await run({ client, out, now, sleep });
  } catch (error) {
    if (error instanceof UsageError) {
      out.usageError(error.command === undefined && commandName !== undefined ? new UsageError(error.message, error.path, commandName) : error);
      return EXIT.usage;
    }
    if (error instanceof ApiCallError) {
      out.apiError(error, config);
      return EXIT.apiError;
    }
    out.unexpected(error);
    return EXIT.apiError;
  }
}

function retryText(error: ApiCallError): string {
  const { code, message } = error.body.error;
  return error.status === undefined ? `the gate did not answer (${code}: ${message})` : `the gate answered ${error.status} ${code}: ${message}`;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

// `npm run cli` and `tsx lib/cli/release-gate.ts` run this file; bin/release-gate.js calls main itself.
if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2), processIo());
