/** A field path such as `steps[2].weight`, as the API reports it. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** A plan or policy that makes no sense. Carries every field at fault. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }
}

/** A request whose fields are well formed but make no sense at this moment, such as a commit time in the future. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }
}

/** What each event asks of a release, in a person's words: event names are the gate's own vocabulary. */
const ATTEMPTS: Readonly<Record<string, string>> = {
  created: 'create',
  started: 'start',
  step_advanced: 'advance',
  held: 'hold',
  decision_recorded: 'record a decision on',
  paused: 'pause',
  resumed: 'resume',
  approved: 'approve',
  promoted: 'promote',
  succeeded: 'finish',
  rollback_started: 'roll back',
  rolled_back: 'record the rollback of',
  aborted: 'abort',
  routing_confirmed: 'confirm the routing of',
  drift_detected: 'record drift on',
  flag_changed: 'change a flag for',
  flags_restored: 'restore the flags of',
  hook_ran: 'record a hook run of',
  probes_ran: 'record probes of',
  observed: 'record what a tick observed for',
};

const STATES: Readonly<Record<string, string>> = {
  pending: 'it has not started yet',
  progressing: 'it is progressing',
  paused: 'it is paused',
  rolling_back: 'it is already rolling back',
  promoted: 'it is promoted and verifying at 100%',
  succeeded: 'it has already succeeded',
  rolled_back: 'it has already been rolled back',
  aborted: 'it has already been aborted',
};

/** Asking for the state it is already in. */
const ALREADY: Readonly<Record<string, string>> = { paused: 'paused', promoted: 'promoted' };

export interface TransitionWords {
  /** What was asked, when the event type alone does not say it (a rollback that is an abort). */
  readonly attempt?: string | undefined;
  /** Where the release stands, when the state alone does not say it (an abort under way). */
  readonly stateText?: string | undefined;
}

/**
 * An event that the release's current state does not allow. The message is for people, as the
 * API and the CLI show it: `cannot abort release rel-1: it is already rolling back`.
 */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly releaseId: string,
    readonly state: string,
    readonly eventType: string,
    /** Set when the state allows the event but its fields do not fit the release. */
    readonly detail?: string,
    words: TransitionWords = {},
  ) {
    const attempt = words.attempt ?? ATTEMPTS[eventType] ?? `apply '${eventType}' to`;
    const already = ALREADY[eventType] === state ? `it is already ${state}` : undefined;
    super(`cannot ${attempt} release ${releaseId}: ${detail ?? already ?? words.stateText ?? STATES[state] ?? `it is ${state}`}`);
  }
}
