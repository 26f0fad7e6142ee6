import type { EngineLogger } from '../engine/deps.js';

/** What a person watching `npm start` wants to see: decisions, rollbacks and notices, one line each. */
const SHOWN = new Set(['decided', 'release created', 'release rolled back', 'release aborted', 'notice', 'alias drift; release paused', 'person acted']);

const time = () => new Date().toISOString().slice(11, 19);

export function consoleLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): EngineLogger {
  const line = (level: string, message: string, extra: Record<string, unknown>[]) => {
    const fields = Object.assign({}, ...extra) as Record<string, unknown>;
    const detail = typeof fields.explanation === 'string' ? fields.explanation : typeof fields.notice === 'string' ? fields.notice : '';
    const who = [fields.releaseId, fields.action ?? fields.kind].filter(Boolean).join(' ');
    write(`${time()} ${level}${message}${who ? ` [${String(who)}]` : ''}${detail ? `: ${detail}` : ''}`);
  };
  return {
    info: (message, ...extra) => {
      if (SHOWN.has(message)) line('', message, extra);
    },
    warn: (message, ...extra) => line('warning: ', message, extra),
    error: (message, ...extra) => line('error: ', message, extra),
  };
}
