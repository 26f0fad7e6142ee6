import type { ApiClient } from './client.js';
import type { Output } from './output.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in --help, e.g. `NAME`. */
  readonly value?: string;
  readonly help: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** The arguments after the command's own words. */
  readonly positionals: readonly string[];
}

/** What checking a command line may read: files relative to `cwd`, times relative to `now`. */
export interface PrepareContext {
  readonly cwd: string;
  readonly now: number;
}

export interface RunContext {
  readonly client: ApiClient;
  readonly out: Output;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** A checked command line, ready to call the API; resolves to the exit code. */
export type Runner = (context: RunContext) => Promise<number>;

/**
 * One command. `prepare` checks the whole command line and throws UsageError before anything
 * is sent; only the runner it returns talks to the API.
 */
export interface Command {
  /** `start`, or `flags ramp` for a subcommand. */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments for --help: `<release-id>` is required, `[release-id]` optional. */
  readonly args?: readonly string[];
  readonly options: OptionSpecs;
  /** Extra paragraphs for the command's --help. */
  readonly details?: string;
  /** Works on local files alone: no gate URL or token is needed, and any call to the API fails. */
  readonly offline?: boolean;
  prepare(args: ParsedArgs, context: PrepareContext): Runner;
}

export const stringOf = (args: ParsedArgs, name: string): string | undefined => {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
};

export const flagOf = (args: ParsedArgs, name: string): boolean => args.values[name] === true;
