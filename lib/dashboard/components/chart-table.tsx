import { formatValue, type ChartSpec } from '../charts/chart-spec.js';
import { plural } from '../../core/format.js';
import { clockTime } from '../format.js';

/** The chart's numbers as a table, for screen readers and for copying into an incident note. */
export function ChartTable(props: { spec: ChartSpec }) {
  const { spec } = props;
  const times = [...new Set(spec.series.flatMap((series) => series.points.map((point) => point.start)))].sort((a, b) => a - b);
  if (times.length === 0) return null;
  const byTime = spec.series.map((series) => new Map(series.points.map((point) => [point.start, point])));
  return (
    <details>
      <summary>Data table ({plural(times.length, 'row')})</summary>
      <div class="scroll">
        <table>
          <caption class="sr-only">{spec.title}</caption>
          <thead>
            <tr>
              <th scope="col">{spec.series[0]?.points[0]?.start === spec.series[0]?.points[0]?.end ? 'time' : 'period start'}</th>
              {spec.series.map((series) => (
                <th scope="col" class="num">
                  {series.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {times.map((at) => (
              <tr>
                <td class="mono">{clockTime(at)}</td>
                {byTime.map((points) => {
                  const point = points.get(at);
                  return (
                    <td class="num">
                      {formatValue(spec.unit, point?.value)}
                      {point?.detail === undefined ? null : <span class="muted small"> ({point.detail})</span>}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
