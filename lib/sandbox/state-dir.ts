/**
 * Keeps the sandbox's mutable state in a directory across restarts (`npm start -- --persist DIR`):
 * - `sandbox.json`: every alias's routing and RevisionId, rewritten after each change;
 * - `sandbox-metrics.jsonl`: the recorded metric periods, a journal appended once per period
 *   and compacted to the periods within the retention at start and on stop.
 * Both are written to a temporary file and renamed, so a crash leaves the previous whole file;
 * the journal's appends can at worst leave a cut-off last line, which loading skips.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { SandboxConfig } from './config.js';
import type { LambdaWorld } from './lambda-world.js';
import type { SeriesRecord } from './metric-recorder.js';
import { captureState, restoreState, savedSandboxSchema, type RestoredAliases } from './saved-state.js';

export const STATE_FILE = 'sandbox.json';
export const METRICS_FILE = 'sandbox-metrics.jsonl';

const bucketSchema = z.object({
  count: z.number(),
  sum: z.number(),
  min: z.number(),
  max: z.number(),
  samples: z.array(z.number()).optional(),
});
const seriesSchema = z.object({
  namespace: z.string(),
  metricName: z.string(),
  dimensions: z.array(z.object({ Name: z.string(), Value: z.string() })),
  buckets: z.array(z.tuple([z.number(), bucketSchema])),
});
const headerSchema = z.object({ format: z.literal(1), periodSeconds: z.number() });
const batchSchema = z.object({ series: z.array(seriesSchema) });

export interface SandboxStateReport extends RestoredAliases {
  readonly dir: string;
  /** False on a first run in this directory. */
  readonly found: boolean;
  /** Metric periods (buckets of the function-wide Invocations series) brought back. */
  readonly metricPeriods: number;
  /** The oldest period brought back, epoch ms. */
  readonly metricsSince?: number | undefined;
}

export interface SandboxStateDir {
  readonly report: SandboxStateReport;
  /** Saves what is left to save and compacts the journal; call after the last alias change. */
  close(): Promise<void>;
}

/** Runs writes one after another; a write asked for while one runs happens once after it, with the newest data. */
function serialWriter(write: () => Promise<void>, onError: (error: unknown) => void) {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      await write().catch(onError);
    } while (again);
    running = undefined;
  };
  return {
    schedule(): void {
      if (running) again = true;
      else running = run();
    },
    async idle(): Promise<void> {
      await running;
    },
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Keeps a file that cannot be read aside, so the next save does not destroy what someone may want to look at. */
async function setAside(file: string, now: number): Promise<string> {
  const aside = `${file}.unreadable-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  await rename(file, aside);
  return aside;
}

function parseJournal(text: string, periodSeconds: number): { batches: SeriesRecord[][]; notices: string[] } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const notices: string[] = [];
  const header = headerSchema.safeParse(safeJson(lines[0] ?? ''));
  if (!header.success) return { batches: [], notices: [`${METRICS_FILE} does not start with its header: the recorded metrics start afresh`] };
  if (header.data.periodSeconds !== periodSeconds) {
    return {
      batches: [],
      notices: [`the metrics were recorded in ${header.data.periodSeconds}-second periods and this run uses ${periodSeconds}: they cannot be mixed, so the charts start afresh`],
    };
  }
  const batches: SeriesRecord[][] = [];
  lines.slice(1).forEach((line, index) => {
    const batch = batchSchema.safeParse(safeJson(line));
    if (batch.success) batches.push(batch.data.series);
    // Only the last line can be cut off by a crash mid-append; anything else is damage worth saying.
    else notices.push(index === lines.length - 2 ? `the last metric batch in ${METRICS_FILE} was cut off (the world stopped mid-write): a period's metrics are lost` : `line ${index + 2} of ${METRICS_FILE} is not a metric batch: skipped`);
  });
  return { batches, notices };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Loads what `dir` holds into the world (aliases by the rules in saved-state.ts, metrics within
 * the retention), then saves every alias change and, once per period, the new metrics.
 */
export async function openSandboxState(world: LambdaWorld, config: SandboxConfig, dir: string, options: { clock: { now(): number }; onError: (error: unknown) => void }): Promise<SandboxStateDir> {
  const { clock, onError } = options;
  await mkdir(dir, { recursive: true });
  const stateFile = join(dir, STATE_FILE);
  const metricsFile = join(dir, METRICS_FILE);
  const notices: string[] = [];

  let restored: RestoredAliases = { restored: [], notices: [] };
  const stateText = await readIfThere(stateFile);
  if (stateText !== undefined) {
    const saved = savedSandboxSchema.safeParse(safeJson(stateText));
    if (saved.success) restored = restoreState(world, config, saved.data);
    else notices.push(`${stateFile} is not a saved sandbox: the aliases start as the config says; the file is kept as ${await setAside(stateFile, clock.now())}`);
  }

  const journalText = await readIfThere(metricsFile);
  if (journalText !== undefined) {
    const journal = parseJournal(journalText, config.metricPeriodSeconds);
    notices.push(...journal.notices);
    for (const batch of journal.batches) world.metrics.merge(batch);
  }
  const snapshot = world.metrics.snapshot();
  const periods = snapshot.find((series) => series.metricName === 'Invocations' && series.dimensions.length === 1)?.buckets ?? [];
  const header = `${JSON.stringify({ format: 1, periodSeconds: config.metricPeriodSeconds })}\n`;
  // Compacted: the periods within the retention, in one batch.
  await writeAtomically(metricsFile, `${header}${snapshot.length > 0 ? `${JSON.stringify({ series: snapshot })}\n` : ''}`);
  world.metrics.takeChanges();

  const aliases = serialWriter(() => writeAtomically(stateFile, `${JSON.stringify(captureState(world, config, clock.now()), null, 2)}\n`), onError);
  world.onAliasChange(() => aliases.schedule());
  aliases.schedule();

  const metrics = serialWriter(async () => {
    const changes = world.metrics.takeChanges();
    if (changes.length > 0) await appendFile(metricsFile, `${JSON.stringify({ series: changes })}\n`);
  }, onError);
  const interval = setInterval(() => metrics.schedule(), config.metricPeriodSeconds * 1000);
  interval.unref();

  return {
    report: {
      dir,
      found: stateText !== undefined || journalText !== undefined,
      restored: restored.restored,
      notices: [...restored.notices, ...notices],
      metricPeriods: periods.length,
      metricsSince: periods[0] === undefined ? undefined : periods[0][0] * 1000,
    },
    async close() {
      clearInterval(interval);
      await metrics.idle();
      aliases.schedule();
      await aliases.idle();
      const all = world.metrics.snapshot();
      world.metrics.takeChanges();
      await writeAtomically(metricsFile, `${header}${all.length > 0 ? `${JSON.stringify({ series: all })}\n` : ''}`);
    },
  };
}
