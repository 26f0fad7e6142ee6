import { percent, stat } from '../../core/format.js';

/** How a chart's values read: rates as percentages, latency in ms, test statistics as logs. */
export type ChartUnit = 'rate' | 'ms' | 'number' | 'log-ratio';

export interface ChartPoint {
  /** The period `[start, end)`, or start = end for a value taken at one moment. */
  readonly start: number;
  readonly end: number;
  readonly value: number | undefined;
  /** What the text fallback shows beside the value, such as the counts behind a rate. */
  readonly detail?: string | undefined;
}

export interface ChartSeries {
  readonly key: 'canary' | 'baseline' | 'limit' | 'statistic';
  readonly label: string;
  readonly points: readonly ChartPoint[];
}

/** A horizontal line: a check's fixed limit. `soft` lines hold a step instead of failing it. */
export interface ChartThreshold {
  readonly label: string;
  readonly value: number;
  readonly soft?: boolean | undefined;
}

export type MarkerKind = 'step' | 'promote' | 'rollback' | 'abort' | 'drift' | 'pause' | 'resume';

/** A vertical line at a moment the release changed: a step, a promotion, a rollback. */
export interface ChartMarker {
  readonly at: number;
  readonly label: string;
  readonly kind: MarkerKind;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** One or two sentences for screen readers and the caption. */
  readonly summary: string;
  readonly unit: ChartUnit;
  readonly yLabel: string;
  readonly xLabel: string;
  readonly series: readonly ChartSeries[];
  readonly thresholds: readonly ChartThreshold[];
  readonly markers: readonly ChartMarker[];
  readonly from: number;
  readonly to: number;
  /** Shown inside the frame when there is nothing to draw. */
  readonly emptyText?: string | undefined;
}

export function formatValue(unit: ChartUnit, value: number | undefined): string {
  if (value === undefined) return '—';
  switch (unit) {
    case 'rate':
      return percent(value);
    case 'ms':
      return `${Math.round(value)} ms`;
    case 'log-ratio':
      return stat(value);
    case 'number':
      return String(Number(value.toPrecision(4)));
  }
}

/** Axis labels: shorter than formatValue, since ticks are round numbers. */
export function formatTick(unit: ChartUnit, value: number): string {
  if (unit === 'rate') return `${Number((value * 100).toPrecision(6))}%`;
  if (unit === 'ms') return `${Number(value.toPrecision(6))}`;
  return String(Number(value.toPrecision(6)));
}
