import type { CheckResult } from '../../core/decision.js';
import { Badge } from './state-badge.js';

/** The checks behind a decision: each verdict with the numbers the gate saw. */
export function ChecksTable(props: { checks: readonly CheckResult[] }) {
  return (
    <div class="scroll">
      <table class="checks">
        <thead>
          <tr>
            <th scope="col">check</th>
            <th scope="col">verdict</th>
            <th scope="col">why</th>
          </tr>
        </thead>
        <tbody>
          {props.checks.map((check) => (
            <tr>
              <td class="mono">{check.check}</td>
              <td>
                <Badge tone={check.verdict}>{check.verdict}</Badge>
              </td>
              <td>{check.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
