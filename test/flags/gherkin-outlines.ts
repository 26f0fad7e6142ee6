/**
 * @amiceli/vitest-cucumber 7 keeps only the last `Examples:` table of a Scenario Outline, and the
 * tags written above an `Examples:` table leak onto the next scenario. The flagd test kit uses
 * both (one table per fractional generation, tagged @fractional-v1/v2/v3). This rewrites a
 * feature's text, in memory, so each outline has one table holding the rows of every table whose
 * tags are not excluded; an outline left with no rows is dropped. Everything else is unchanged.
 */

export interface OutlineRows {
  readonly outline: string;
  readonly kept: number;
  readonly excluded: number;
}

export interface MergedFeature {
  readonly text: string;
  readonly outlines: readonly OutlineRows[];
}

interface ExamplesTable {
  readonly tags: string[];
  header: string | undefined;
  readonly rows: string[];
}

interface Outline {
  readonly name: string;
  readonly lines: string[];
  readonly tables: ExamplesTable[];
}

const HEADING = /^\s*(Feature|Rule|Background|Scenario|Scenario Outline|Example):/;
const isTagLine = (line: string) => line.trim().startsWith('@');
const tagsOf = (line: string) => line.trim().split(/\s+/).filter((word) => word.startsWith('@')).map((word) => word.slice(1));
const isExamples = (line: string) => /^\s*Examples:/.test(line);

export function mergeOutlineExamples(text: string, excludedTags: readonly string[]): MergedFeature {
  const lines = text.split('\n');
  const out: string[] = [];
  const outlines: OutlineRows[] = [];
  let outline: Outline | undefined;
  let table: ExamplesTable | undefined;
  let pendingTags: string[] = [];

  /** The next line that is neither blank nor a comment. */
  const nextSignificant = (from: number) => lines.slice(from).find((line) => line.trim() !== '' && !line.trim().startsWith('#')) ?? '';

  const flush = () => {
    if (outline === undefined) return;
    const kept = outline.tables.filter((candidate) => !candidate.tags.some((tag) => excludedTags.includes(tag)));
    const headers = new Set(kept.map((candidate) => normalizeRow(candidate.header ?? '')));
    if (headers.size > 1) throw new Error(`Scenario Outline "${outline.name}": its Examples tables have different columns`);
    const rows = kept.flatMap((candidate) => candidate.rows);
    outlines.push({ outline: outline.name, kept: rows.length, excluded: outline.tables.reduce((sum, candidate) => sum + candidate.rows.length, 0) - rows.length });
    if (rows.length > 0) out.push(...outline.lines, '    Examples:', `      ${kept[0]!.header!.trim()}`, ...rows.map((row) => `      ${row.trim()}`), '');
    outline = undefined;
    table = undefined;
  };

  lines.forEach((line, index) => {
    if (outline !== undefined && isTagLine(line) && isExamples(nextSignificant(index + 1))) {
      pendingTags.push(...tagsOf(line));
      return;
    }
    if (outline !== undefined && isExamples(line)) {
      table = { tags: pendingTags, header: undefined, rows: [] };
      pendingTags = [];
      outline.tables.push(table);
      return;
    }
    if (table !== undefined && line.trim().startsWith('|')) {
      if (table.header === undefined) table.header = line;
      else table.rows.push(line);
      return;
    }
    if (HEADING.test(line) || (isTagLine(line) && outline !== undefined)) {
      flush();
      // An outline's own tags were written out just above it; they move with it.
      if (/^\s*Scenario Outline:/.test(line)) {
        const tags: string[] = [];
        while (out.length > 0 && (isTagLine(out.at(-1)!) || out.at(-1)!.trim() === '')) tags.unshift(out.pop()!);
        outline = { name: line.split('Scenario Outline:')[1]!.trim(), lines: [...tags, line], tables: [] };
        return;
      }
    }
    if (table !== undefined && line.trim() !== '' && !line.trim().startsWith('#')) table = undefined;
    if (outline !== undefined) outline.lines.push(line);
    else out.push(line);
  });
  flush();
  return { text: out.join('\n'), outlines };
}

const normalizeRow = (row: string) =>
  row
    .trim()
    .split('|')
    .map((cell) => cell.trim())
    .join('|');
