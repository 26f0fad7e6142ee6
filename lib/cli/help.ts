import type { Command, OptionSpecs } from './command.js';
import { LOCAL_TOKEN_FILE, LOCAL_URL } from './config.js';
import { GLOBAL_OPTIONS } from './parse-command-line.js';

const CONFIGURATION = `Configuration:
  --url, else RELEASE_GATE_URL, else ${LOCAL_URL} (what \`npm start\` serves).
  --token, else RELEASE_GATE_TOKEN, else ${LOCAL_TOKEN_FILE} in the current directory
  (\`npm start\` writes its admin token there); that file is read only for a local URL.
  Prefer RELEASE_GATE_TOKEN to --token in pipelines: command lines show up in process lists.`;

const EXIT_CODES = `Exit codes:
  0  done; for wait and start --wait, the release succeeded
  1  the release was rolled back or aborted (or paused, with --fail-on-pause)
  2  usage error: unknown command or option, missing or bad value; nothing was sent
  3  --timeout passed; the release itself carries on
  4  the API refused (4xx/5xx: its code, message and issue paths are printed), could not be
     reached, or the command failed unexpectedly. No answer, 429, 502, 503 and 504 are retried
     first, with backoff and the gate's Retry-After, for up to a minute of waiting; POSTs carry
     an Idempotency-Key, so a retried one is never done twice`;

function optionLines(options: OptionSpecs): string[] {
  const rows = Object.entries(options).map(([name, spec]) => [`${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.help] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`);
}

function usageLine(command: Command): string {
  const options = Object.keys(command.options).length > 0 ? ' [options]' : '';
  return `release-gate ${command.name}${command.args?.length ? ` ${command.args.join(' ')}` : ''}${options}`;
}

function commandList(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((command) => command.name.length));
  return commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
}

export function globalHelp(commands: readonly Command[]): string {
  return [
    'Usage: release-gate <command> [options]',
    '',
    'Starts and follows gated releases of AWS Lambda versions, acts on them, and ramps flags.',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    CONFIGURATION,
    '',
    EXIT_CODES,
    '',
    "Run 'release-gate <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((command) => command.name.startsWith(`${group} `));
  return [`Usage: release-gate ${group} <subcommand> [options]`, '', 'Subcommands:', ...commandList(members), '', `Run 'release-gate ${group} <subcommand> --help' for its options.`, ''].join('\n');
}

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length > 0 ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [`Usage: ${usageLine(command)}`, '', command.summary, ...own, '', 'Global options:', ...optionLines(GLOBAL_OPTIONS), ...(command.details ? ['', command.details] : []), '', CONFIGURATION, '', EXIT_CODES, ''].join(
    '\n',
  );
}
