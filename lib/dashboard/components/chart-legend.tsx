import type { ChartSpec } from '../charts/chart-spec.js';

function Swatch(props: { class: string; dot?: string | undefined }) {
  return (
    <svg viewBox="0 0 26 10" aria-hidden="true" class="swatch">
      <line class={props.class} x1="1" x2="25" y1="5" y2="5" />
      {props.dot === undefined ? null : <circle class={props.dot} cx="13" cy="5" r="2.6" />}
    </svg>
  );
}

/** What each line means, in words next to its look. */
export function ChartLegend(props: { spec: ChartSpec }) {
  const { spec } = props;
  const kinds = new Set(spec.markers.filter((marker) => marker.at >= spec.from && marker.at <= spec.to).map((marker) => marker.kind));
  return (
    <ul class="legend">
      {spec.series.map((series) => (
        <li>
          <Swatch class={`series series-${series.key}`} dot={series.key === 'limit' ? undefined : `dot-${series.key}`} />
          {series.label}
        </li>
      ))}
      {spec.thresholds.map((threshold) => (
        <li>
          <Swatch class={threshold.soft ? 'threshold-soft' : 'threshold'} />
          {threshold.label}
        </li>
      ))}
      {kinds.has('step') || kinds.has('promote') ? (
        <li>
          <Swatch class="marker marker-step" />
          traffic step
        </li>
      ) : null}
      {kinds.has('rollback') || kinds.has('abort') ? (
        <li>
          <Swatch class="marker marker-rollback" />
          rollback
        </li>
      ) : null}
      {kinds.has('drift') || kinds.has('pause') ? (
        <li>
          <Swatch class="marker marker-drift" />
          pause or drift
        </li>
      ) : null}
    </ul>
  );
}
