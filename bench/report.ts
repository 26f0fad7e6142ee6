import { mkdirSync, writeFileSync } from 'node:fs';

/** Writes a benchmark's table to bench/results/<file> and prints it. */
export function publish(file: string, report: string): void {
  const directory = new URL('./results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL(file, directory), report);
  process.stdout.write(report);
}
