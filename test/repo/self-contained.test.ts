/**
 * A fresh clone must pass on its own: no source, test, benchmark or build file may reach for a
 * path outside the repository (a sibling checkout, a shared folder), by import or by file URL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['lib', 'functions', 'flags', 'cdk', 'bench', 'test', 'bin'];
const SKIP = new Set(['node_modules', 'cdk.out', 'fixtures']);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (SKIP.has(entry)) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs|json)$/.test(entry) ? [path] : [];
  });
}

/** Every relative path written as a string literal: imports, `new URL('…', import.meta.url)`, `resolve(…, '…')`. */
export function relativeLiterals(text: string): string[] {
  return [...text.matchAll(/(['"`])(\.\.?\/[^'"`\n$]*)\1/g)].map((match) => match[2]!);
}

const escapes = (file: string, literal: string) => {
  const target = resolve(dirname(file), literal);
  return target !== ROOT && !target.startsWith(ROOT + sep);
};

describe('the repository is self-contained', () => {
  const files = FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)));

  it('finds the files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('no file names a path outside the repository', () => {
    const outside = files.flatMap((file) =>
      relativeLiterals(readFileSync(file, 'utf8'))
        .filter((literal) => escapes(file, literal))
        .map((literal) => `${relative(ROOT, file)}: ${literal}`),
    );
    expect(outside).toEqual([]);
  });

  it('would catch a sibling folder such as the one the conformance suite once read', () => {
    const file = join(ROOT, 'test/flags/conformance.test.ts');
    const sibling = ['..', '..', '..', 'sibling', 'evaluator'].join('/');
    expect(relativeLiterals(`new URL('${sibling}/', import.meta.url)`).some((literal) => escapes(file, literal))).toBe(true);
    expect(relativeLiterals("new URL('../fixtures/flagd-testbed/evaluator/', import.meta.url)").some((literal) => escapes(file, literal))).toBe(false);
  });
});
