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

/** An event that the release's current state does not allow. */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly releaseId: string,
    readonly state: string,
    readonly eventType: string,
    /** Set when the state allows the event but its fields do not fit the release. */
    readonly detail?: string,
  ) {
    super(`release ${releaseId}: '${eventType}' is not allowed in state '${state}'${detail ? ` (${detail})` : ''}`);
  }
}
