import { formatDuration } from '../core/duration.js';
import { percent } from '../core/format.js';

const toDate = (at: string | number) => new Date(typeof at === 'number' ? at : Date.parse(at));

/** `2030-01-07 10:02:15 UTC`: people on call compare times with logs, which are in UTC. */
export function dateTime(at: string | number): string {
  const date = toDate(at);
  return Number.isNaN(date.getTime()) ? String(at) : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `10:02:15`, for rows that already show the day. */
export function clockTime(at: string | number): string {
  const date = toDate(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString().slice(11, 19);
}

export function isoOf(at: string | number): string {
  const date = toDate(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString();
}

/** A duration for people, or a dash when there is none. */
export function durationOrDash(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const whole = Math.max(0, Math.round(ms));
  // Below a second the milliseconds matter (a rollback's restore); above, they are noise.
  return formatDuration(whole < 1000 ? whole : Math.round(whole / 1000) * 1000);
}

export function percentOrDash(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined ? '—' : percent(fraction);
}
