import type { ReleaseEvent } from '../../core/events.js';
import { weightText } from '../../core/format.js';
import type { ChartMarker } from './chart-spec.js';

/** The moments every chart marks: traffic steps, promotion, rollback, drift and pauses. */
export function markersFrom(events: readonly ReleaseEvent[]): ChartMarker[] {
  return events.flatMap((event): ChartMarker[] => {
    const at = Date.parse(event.at);
    switch (event.type) {
      case 'started':
        return [{ at, label: `start ${weightText(event.weight)}`, kind: 'step' }];
      case 'step_advanced':
        return [{ at, label: weightText(event.weight), kind: 'step' }];
      case 'promoted':
        return [{ at, label: '100%', kind: 'promote' }];
      case 'rollback_started':
        return [{ at, label: event.intent === 'abort' ? 'abort' : 'rollback', kind: event.intent === 'abort' ? 'abort' : 'rollback' }];
      case 'drift_detected':
        return [{ at, label: 'drift', kind: 'drift' }];
      case 'paused':
        return [{ at, label: 'paused', kind: 'pause' }];
      case 'resumed':
        return [{ at, label: 'resumed', kind: 'resume' }];
      default:
        return [];
    }
  });
}
