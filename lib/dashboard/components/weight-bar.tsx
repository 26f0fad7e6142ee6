import { weightText } from '../../core/format.js';

/** A percentage as a bar with its number beside it; an SVG, so no inline style is needed. */
export function WeightBar(props: { percent: number; label: string }) {
  const width = Math.max(0, Math.min(100, props.percent));
  return (
    <span class="weight">
      <svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={`${props.label}: ${weightText(props.percent)}`}>
        <rect class="bar-track" x="0" y="0" width="100" height="10" rx="3" />
        <rect class="bar-fill" x="0" y="0" width={width} height="10" rx="3" />
      </svg>
      <span>{weightText(props.percent)}</span>
    </span>
  );
}
