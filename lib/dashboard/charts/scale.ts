/** Linear scales, tick values and SVG paths for the dashboard's charts. Pure. */

export type Scale = (value: number) => number;

export function linear(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/**
 * About `count` round tick values covering [min, max]: steps of 1, 2 or 5 × 10^n.
 * Example: niceTicks(0, 0.052) → [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06].
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + (Math.abs(min) || 1);
  const span = max - min;
  const magnitude = 10 ** Math.floor(Math.log10(span / count));
  // The round step whose number of intervals is closest to the count asked for.
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).reduce((best, candidate) => (Math.abs(span / candidate - count) < Math.abs(span / best - count) ? candidate : best));
  const ticks: number[] = [];
  for (let value = Math.floor(min / step) * step; value <= max + step * 1e-9; value += step) {
    // Rounded to the step's precision, so 0.1 + 0.2 prints as 0.3.
    ticks.push(Number(value.toPrecision(12)));
  }
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

export interface Point {
  readonly x: number;
  readonly y: number | undefined;
}

/** A polyline that breaks where a value is missing, so a gap in the data shows as a gap. */
export function linePath(points: readonly Point[]): string {
  let path = '';
  let drawing = false;
  for (const point of points) {
    if (point.y === undefined || !Number.isFinite(point.y)) {
      drawing = false;
      continue;
    }
    path += `${drawing ? 'L' : 'M'}${point.x.toFixed(1)},${point.y.toFixed(1)}`;
    drawing = true;
  }
  return path;
}

/**
 * A step line for per-period values: flat across each period, so a limit computed per period
 * reads as the limit that held during it. Breaks where a value is missing.
 */
export function stepPath(segments: readonly { x0: number; x1: number; y: number | undefined }[]): string {
  let path = '';
  let last: { x1: number; y: number } | undefined;
  for (const segment of segments) {
    if (segment.y === undefined || !Number.isFinite(segment.y)) {
      last = undefined;
      continue;
    }
    const joined = last !== undefined && Math.abs(last.x1 - segment.x0) < 0.5;
    path += `${joined ? 'L' : 'M'}${segment.x0.toFixed(1)},${segment.y.toFixed(1)}L${segment.x1.toFixed(1)},${segment.y.toFixed(1)}`;
    last = { x1: segment.x1, y: segment.y };
  }
  return path;
}

/** Time ticks at round seconds, minutes or hours, about `count` of them. */
export function timeTicks(from: number, to: number, count = 5): number[] {
  const span = Math.max(1, to - from);
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((seconds) => seconds * 1000);
  const step = steps.find((candidate) => span / candidate <= count) ?? steps.at(-1)!;
  const ticks: number[] = [];
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) ticks.push(at);
  return ticks;
}
