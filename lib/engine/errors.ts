/** A person's action that needs a reason came without one. */
export class ReasonRequiredError extends Error {
  override readonly name = 'ReasonRequiredError';
  constructor(readonly action: string) {
    super(`${action} needs a reason: it overrides the gate and stays in the audit record`);
  }
}

/** The release asks for something this deployment cannot do, such as flag steps without a flag store. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}
