import { describe, expect, it } from 'vitest';
import { formatDuration, formatRemaining, parseDuration } from '../../lib/core/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5m', 90_000],
    ['1d', 86_400_000],
    [' 5m ', 300_000],
    ['0s', 0],
  ])('%s is %i ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each(['', '5', 'm', '5 m', '-5m', '5min', '5m30', 'five minutes', '1e3s', 'PT5M'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [30_000, '30s'],
    [330_000, '5m30s'],
    [5_400_000, '1h30m'],
    [90_061_000, '1d1h1m1s'],
  ])('%i ms is %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
    expect(parseDuration(expected)).toBe(ms);
  });
});

describe('formatRemaining', () => {
  it.each([
    [23, 'less than a second'],
    [999, 'less than a second'],
    [1_000, '1s'],
    [1_200, '2s'],
    [59_001, '1m'],
    [61_200, '1m2s'],
    [300_000, '5m'],
  ])('%i ms left reads %s', (ms, expected) => {
    expect(formatRemaining(ms)).toBe(expected);
  });
});
