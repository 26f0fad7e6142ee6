import { parseArgs } from 'node:util';
import type { Command, OptionSpecs, ParsedArgs } from './command.js';
import { UsageError } from './errors.js';

export const GLOBAL_OPTIONS = {
  url: { type: 'string', value: 'URL', help: 'the gate API (default: RELEASE_GATE_URL, else http://127.0.0.1:8787)' },
  token: { type: 'string', value: 'TOKEN', help: 'a bearer token (default: RELEASE_GATE_TOKEN, else .release-gate/local-token for a local URL)' },
  json: { type: 'boolean', help: 'one JSON document on stdout; errors as JSON on stderr' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
} as const satisfies OptionSpecs;

export type CommandLine =
  | { readonly kind: 'help'; readonly command?: Command | undefined; readonly group?: string | undefined }
  | { readonly kind: 'run'; readonly command: Command; readonly args: ParsedArgs; readonly json: boolean; readonly url?: string | undefined; readonly token?: string | undefined };

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parseOptions(specs: OptionSpecs): ParseOptions {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]));
}

/** node:util's messages are long and mention its own workarounds; keep the part a person needs. */
function usageFromParseError(error: Error & { code?: string }, command: string): UsageError {
  const flag = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${flag ?? error.message} for ${command}`, flag, command);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(error.message)) return new UsageError(`${flag} does not take a value`, flag, command);
      if (/ambiguous/.test(error.message)) return new UsageError(`${flag} needs a value; for one starting with '-', write ${flag}=VALUE`, flag, command);
      return new UsageError(`${flag ?? 'an option'} needs a value`, flag, command);
    default:
      return new UsageError(error.message.split('\n')[0]!, flag, command);
  }
}

/**
 * Finds the command (its words may follow global options, as in `--json flags list`), then parses
 * strictly with only that command's options, so an option of another command is an error too.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): CommandLine {
  // The first pass knows every option's type, so option values are never taken for command words.
  const everyOption = parseOptions(Object.assign({}, GLOBAL_OPTIONS, ...commands.map((command) => command.options)) as OptionSpecs);
  const loose = parseArgs({ args: [...argv], options: everyOption, strict: false, allowPositionals: true });
  const words = loose.positionals;
  const help = loose.values.help === true;
  const json = loose.values.json === true;

  if (words.length === 0) {
    if (help) return { kind: 'help' };
    throw new UsageError('no command given');
  }
  const command = commands.find((candidate) => candidate.name.split(' ').every((word, index) => words[index] === word));
  if (command === undefined) {
    const group = commands.filter((candidate) => candidate.name.startsWith(`${words[0]} `));
    if (group.length > 0) {
      if (help && words.length === 1) return { kind: 'help', group: words[0] };
      const choices = group.map((candidate) => candidate.name.split(' ')[1]).join(', ');
      throw new UsageError(words.length === 1 ? `${words[0]} needs a subcommand: ${choices}` : `unknown command '${words.slice(0, 2).join(' ')}'; expected one of ${choices}`, undefined, words[0]);
    }
    throw new UsageError(`unknown command '${words[0]}'`);
  }
  if (help) return { kind: 'help', command };

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: parseOptions({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw usageFromParseError(error as Error, command.name);
    throw error;
  }
  const positionals = parsed.positionals.slice(command.name.split(' ').length);
  const expected = command.args ?? [];
  const required = expected.filter((arg) => arg.startsWith('<'));
  if (positionals.length < required.length) throw new UsageError(`${command.name} needs ${required[positionals.length]}`, required[positionals.length], command.name);
  if (positionals.length > expected.length) throw new UsageError(`unexpected argument '${positionals[expected.length]}' for ${command.name}`, positionals[expected.length], command.name);

  const values = parsed.values as Record<string, string | boolean | undefined>;
  return {
    kind: 'run',
    command,
    args: { values, positionals },
    json,
    url: typeof values.url === 'string' ? values.url : undefined,
    token: typeof values.token === 'string' ? values.token : undefined,
  };
}
