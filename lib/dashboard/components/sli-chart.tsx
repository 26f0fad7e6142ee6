import { formatTick, type ChartSeries, type ChartSpec } from '../charts/chart-spec.js';
import { linear, linePath, niceTicks, stepPath, timeTicks } from '../charts/scale.js';
import { clockTime } from '../format.js';
import { ChartLegend } from './chart-legend.js';
import { ChartTable } from './chart-table.js';

const WIDTH = 560;
const HEIGHT = 250;
const PLOT = { left: 58, right: 530, top: 32, bottom: 202 } as const;
/** Beyond this many points the dots would blur into the line. */
const MAX_DOTS = 90;

function yDomain(spec: ChartSpec): [number, number] {
  const values = [
    ...spec.series.flatMap((series) => series.points.map((point) => point.value)),
    ...spec.thresholds.map((threshold) => threshold.value),
  ].filter((value): value is number => value !== undefined && Number.isFinite(value));
  const min = Math.min(0, ...values);
  const max = values.length === 0 ? 1 : Math.max(...values);
  // Headroom above the highest value or limit, so its label clears the top.
  const ticks = niceTicks(min, max === min ? min + 1 : max + (max - min) * 0.12, 4);
  return [ticks[0]!, ticks.at(-1)!];
}

function SeriesShape(props: { series: ChartSeries; x: (at: number) => number; y: (value: number) => number }) {
  const { series, x, y } = props;
  const scaled = (value: number | undefined) => (value === undefined ? undefined : y(value));
  if (series.key === 'limit') {
    const path = stepPath(series.points.map((point) => ({ x0: x(point.start), x1: x(point.end), y: scaled(point.value) })));
    return path === '' ? null : <path class="series series-limit" d={path} />;
  }
  const points = series.points.map((point) => ({ x: x((point.start + point.end) / 2), y: scaled(point.value) }));
  const path = linePath(points);
  const dots = points.filter((point) => point.y !== undefined);
  return (
    <g>
      {path === '' ? null : <path class={`series series-${series.key}`} d={path} />}
      {dots.length <= MAX_DOTS ? dots.map((point) => <circle class={`dot-${series.key}`} cx={point.x.toFixed(1)} cy={point.y!.toFixed(1)} r="2.6" />) : null}
    </g>
  );
}

/**
 * An SVG line chart with no script: axes with labels, the series, limits as horizontal lines and
 * the release's steps and rollback as vertical markers. A title and description name it for
 * screen readers, and a table below holds the same numbers as text.
 */
export function SliChart(props: { spec: ChartSpec }) {
  const { spec } = props;
  const from = spec.from;
  const to = spec.to > spec.from ? spec.to : spec.from + 60_000;
  const x = linear([from, to], [PLOT.left, PLOT.right]);
  const [y0, y1] = yDomain(spec);
  const y = linear([y0, y1], [PLOT.bottom, PLOT.top]);
  const yTicks = niceTicks(y0, y1, 4).filter((tick) => tick >= y0 && tick <= y1);
  const xTicks = timeTicks(from, to, 5);
  const markers = spec.markers.filter((marker) => marker.at >= from && marker.at <= to);
  const titleId = `${spec.id}-title`;
  const descId = `${spec.id}-desc`;
  return (
    <figure class="card" id={spec.id}>
      <h3>{spec.title}</h3>
      <div class="chart-frame">
      <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${titleId} ${descId}`} preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{spec.title}</title>
        <desc id={descId}>{spec.summary}</desc>
        {yTicks.map((tick) => (
          <g>
            <line class="grid-line" x1={PLOT.left} x2={PLOT.right} y1={y(tick).toFixed(1)} y2={y(tick).toFixed(1)} />
            <text x={PLOT.left - 6} y={y(tick).toFixed(1)} dy="0.32em" text-anchor="end">
              {formatTick(spec.unit, tick)}
            </text>
          </g>
        ))}
        {xTicks.map((tick) => (
          <text x={x(tick).toFixed(1)} y={PLOT.bottom + 16} text-anchor="middle">
            {clockTime(tick)}
          </text>
        ))}
        <line class="axis" x1={PLOT.left} x2={PLOT.right} y1={PLOT.bottom} y2={PLOT.bottom} />
        <line class="axis" x1={PLOT.left} x2={PLOT.left} y1={PLOT.top} y2={PLOT.bottom} />
        <text x={(PLOT.left + PLOT.right) / 2} y={HEIGHT - 8} text-anchor="middle">
          {spec.xLabel}
        </text>
        <text transform="rotate(-90)" x={-(PLOT.top + PLOT.bottom) / 2} y={14} text-anchor="middle">
          {spec.yLabel}
        </text>
        {markers.map((marker, index) => (
          <g class={`marker-group marker-group-${marker.kind}`}>
            <line class={`marker marker-${marker.kind}`} x1={x(marker.at).toFixed(1)} x2={x(marker.at).toFixed(1)} y1={PLOT.top - 4} y2={PLOT.bottom} />
            {/* Labels sit on the side with room, in two rows so neighbours do not overlap. */}
            <text
              class={`marker-label marker-label-${marker.kind}`}
              x={(x(marker.at) + (x(marker.at) > (PLOT.left + PLOT.right) / 2 ? -3 : 3)).toFixed(1)}
              y={index % 2 === 0 ? 13 : 25}
              text-anchor={x(marker.at) > (PLOT.left + PLOT.right) / 2 ? 'end' : 'start'}
            >
              {marker.label}
            </text>
          </g>
        ))}
        {spec.thresholds.map((threshold) => (
          <g class="threshold-group">
            <line class={threshold.soft ? 'threshold-soft' : 'threshold'} x1={PLOT.left} x2={PLOT.right} y1={y(threshold.value).toFixed(1)} y2={y(threshold.value).toFixed(1)} />
            <text class={threshold.soft ? 'threshold-soft-label' : 'threshold-label'} x={PLOT.right - 4} y={(y(threshold.value) - 5).toFixed(1)} text-anchor="end">
              {threshold.label}
            </text>
          </g>
        ))}
        {spec.series.map((series) => (
          <SeriesShape series={series} x={x} y={y} />
        ))}
        {spec.emptyText === undefined ? null : (
          <text x={(PLOT.left + PLOT.right) / 2} y={(PLOT.top + PLOT.bottom) / 2} text-anchor="middle" class="empty">
            {spec.emptyText}
          </text>
        )}
      </svg>
      </div>
      <ChartLegend spec={spec} />
      <figcaption>{spec.summary}</figcaption>
      <ChartTable spec={spec} />
    </figure>
  );
}
