import * as z from 'zod';
import { verifyEvents } from '../../chain.js';
import type { ReleaseEvent } from '../../core/events.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { readJsonFile } from '../values.js';

const NAME = 'verify';

/** What GET /releases/{id}/events answers; the server's own verdict (`chain`) is not trusted here. */
const ExportedChainSchema = z.object({
  releaseId: z.string().min(1),
  events: z.array(
    z.object({
      seq: z.number().int().positive(),
      hash: z.string(),
      prevHash: z.string(),
      event: z.looseObject({ type: z.string(), at: z.string() }),
    }),
  ),
});

export const verifyCommand: Command = {
  name: NAME,
  summary: "Check a release's exported audit chain offline: every event's hash, in order",
  args: ['<file>'],
  options: {},
  offline: true,
  details:
    "The file is what GET /releases/{id}/events answers (curl -H 'Authorization: Bearer …' $URL/releases/$ID/events > chain.json). Each hash is recomputed here as SHA-256 of the previous hash, the release id, the sequence number and the event in RFC 8785 canonical JSON; nothing is sent anywhere. Exits 0 when the chain holds, 6 at the first event that does not.",
  prepare(args, { cwd }) {
    const file = args.positionals[0]!;
    const parsed = ExportedChainSchema.safeParse(readJsonFile(file, '<file>', cwd));
    if (!parsed.success) throw new UsageError(`${file} is not an exported chain (GET /releases/{id}/events): ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`, '<file>', NAME);
    const { releaseId, events } = parsed.data;
    return ({ out }) => {
      const stored = events.map((entry) => ({ releaseId, seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash, event: entry.event as unknown as ReleaseEvent }));
      const verdict = verifyEvents(releaseId, stored);
      out.result({ releaseId, ...verdict }, () =>
        verdict.ok ? `release ${releaseId}: chain of ${verdict.events} events holds, head ${stored.at(-1)?.hash ?? 'none'}` : `release ${releaseId}: chain broken at event ${verdict.brokenAt} of ${verdict.events}: ${verdict.reason}`,
      );
      return Promise.resolve(verdict.ok ? EXIT.ok : EXIT.chainBroken);
    };
  },
};
