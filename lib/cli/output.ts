import type { CliConfig } from './config.js';
import { apiErrorLines, type ApiCallError, type ErrorBody, type UsageError } from './errors.js';
import type { CliIo } from './io.js';

const CLEAR_LINE = '\r\x1b[2K';

/**
 * Where a command's words go. With --json, stdout carries exactly one JSON document and stderr
 * only a JSON error; without it, lines for people, and on a TTY one status line that redraws.
 */
export class Output {
  private transientShown = false;

  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  get tty(): boolean {
    return !this.json && this.io.stdout.isTTY === true;
  }

  /** A line for people; silent with --json. */
  line(text: string): void {
    if (this.json) return;
    this.clearTransient();
    this.io.stdout.write(`${text}\n`);
  }

  /** A status line redrawn in place on a TTY; never written to a pipe or a CI log. */
  transient(text: string): void {
    if (!this.tty) return;
    this.io.stdout.write(`${CLEAR_LINE}${text}`);
    this.transientShown = true;
  }

  /** A note on stderr for people (retries, replays); silent with --json. */
  note(text: string): void {
    if (this.json) return;
    this.clearTransient();
    this.io.stderr.write(`${text}\n`);
  }

  /** The command's JSON document; nothing without --json, where the lines already told the story. */
  document(document: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }

  /** The command's answer: the JSON document, or its text. */
  result(document: unknown, text: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    else this.line(text());
  }

  private clearTransient(): void {
    if (!this.transientShown) return;
    this.io.stdout.write(CLEAR_LINE);
    this.transientShown = false;
  }

  usageError(error: UsageError): void {
    const help = `release-gate ${error.command ? `${error.command} ` : ''}--help`;
    if (this.json) {
      this.writeJsonError({ error: { code: 'usage', message: error.message, issues: error.path ? [{ path: error.path, message: error.message }] : [] } });
    } else {
      this.clearTransient();
      this.io.stderr.write(`release-gate: ${error.message}\nRun '${help}' for usage.\n`);
    }
  }

  apiError(error: ApiCallError, config: CliConfig | undefined): void {
    if (this.json) {
      this.writeJsonError({ error: { ...error.body.error, ...(error.status === undefined ? {} : { status: error.status }) } });
      return;
    }
    const [first, ...rest] = apiErrorLines(error, { url: config?.url, tokenSource: config?.tokenSource });
    this.clearTransient();
    this.io.stderr.write([`release-gate: ${first}`, ...rest].map((line) => `${line}\n`).join(''));
  }

  unexpected(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.json) this.writeJsonError({ error: { code: 'cli_error', message, issues: [] } });
    else this.io.stderr.write(`release-gate: unexpected error: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
  }

  private writeJsonError(body: ErrorBody): void {
    this.io.stderr.write(`${JSON.stringify(body)}\n`);
  }
}
