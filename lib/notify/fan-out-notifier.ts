import type { Notice, Notifier } from '../ports.js';

export interface FanOutNotifierOptions {
  readonly notifiers: readonly Notifier[];
  /** Called once per failed notifier; where the failure gets logged. */
  readonly onError: (error: unknown, notice: Notice) => void;
}

/** Sends each notice to every notifier at once; one failing or slow channel never stops the others, nor throws. */
export class FanOutNotifier implements Notifier {
  constructor(private readonly options: FanOutNotifierOptions) {}

  async notify(notice: Notice): Promise<void> {
    // The async wrapper turns a notifier that throws synchronously into a rejection too.
    const results = await Promise.allSettled(this.options.notifiers.map(async (notifier) => notifier.notify(notice)));
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      try {
        this.options.onError(result.reason, notice);
      } catch {
        // A failing logger must not turn a best-effort notice into a failed release step.
      }
    }
  }
}
