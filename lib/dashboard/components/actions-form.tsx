import type { HumanAction } from '../../engine/actions.js';
import type { Scope } from '../../ports.js';
import { ACTION_LABELS } from '../release-actions.js';

const BUTTON_CLASS: Record<HumanAction, string> = {
  pause: 'secondary',
  resume: '',
  approve: '',
  promote: 'caution',
  abort: 'danger',
  rollback: 'danger',
};

const OR = new Intl.ListFormat('en', { type: 'disjunction' });

export interface ActionsFormProps {
  readonly releaseId: string;
  /** Allowed by the release's state and the person's token. */
  readonly actions: readonly HumanAction[];
  /** Allowed by the state, but the token lacks the scope. */
  readonly blocked: readonly { action: HumanAction; scope: Scope }[];
  readonly csrf: string;
  readonly stateText: string;
}

/**
 * One form, one reason box, a button per action the person may take now. Each button posts to
 * its own action's URL; the CSRF field proves the form came from this page.
 */
export function ActionsForm(props: ActionsFormProps) {
  const { releaseId, actions, blocked } = props;
  const base = `/ui/releases/${encodeURIComponent(releaseId)}`;
  return (
    <section class="card" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      {actions.length === 0 && blocked.length === 0 ? <p class="muted">No action applies while the release is {props.stateText}.</p> : null}
      {actions.length === 0 ? null : (
        <form method="post" action={`${base}/${actions[0]}`}>
          <input type="hidden" name="csrf" value={props.csrf} />
          <label for="reason">Reason</label>
          <textarea id="reason" name="reason" maxlength={1000} aria-describedby="reason-help"></textarea>
          <p id="reason-help" class="muted small">
            Required to promote, abort or roll back; kept in the audit record with your name.
          </p>
          <div class="actions">
            {actions.map((action) => (
              <button type="submit" class={BUTTON_CLASS[action]} formaction={`${base}/${action}`} name="action" value={action}>
                {ACTION_LABELS[action]}
              </button>
            ))}
          </div>
        </form>
      )}
      {blocked.length === 0 ? null : (
        <p class="muted small">
          Your token cannot {OR.format(blocked.map((entry) => ACTION_LABELS[entry.action].toLowerCase()))} this release: that needs{' '}
          {OR.format([...new Set(blocked.map((entry) => entry.scope))])}.
        </p>
      )}
    </section>
  );
}
