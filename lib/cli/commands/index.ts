import type { Command } from '../command.js';
import { actionCommands } from './actions.js';
import { flagsGetCommand, flagsHistoryCommand, flagsListCommand } from './flags-read.js';
import { flagsKillCommand, flagsRampCommand, flagsRestoreCommand, flagsSetCommand } from './flags-write.js';
import { replayCommand } from './replay.js';
import { verifyCommand } from './verify.js';
import { reportCommand } from './report.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { waitCommand } from './wait.js';

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  startCommand,
  waitCommand,
  statusCommand,
  ...actionCommands,
  flagsListCommand,
  flagsGetCommand,
  flagsHistoryCommand,
  flagsSetCommand,
  flagsRampCommand,
  flagsKillCommand,
  flagsRestoreCommand,
  reportCommand,
  replayCommand,
  verifyCommand,
];
