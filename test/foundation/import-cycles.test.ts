// No two product files import each other, directly or around a circle — type-only imports included: a cycle
// means a fact has no single home (the workflow once declared a type its own activities needed).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const PRODUCT_FOLDERS = ['workflows', 'activities', 'workers', 'src'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(name) ? [path] : [];
  });
}

/** Relative imports and re-exports of a file, resolved to files. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const targets: string[] = [];
  for (const statement of source.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    const base = resolve(dirname(file), specifier.text);
    const target = [base, `${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
    if (target && /\.(ts|mts)$/.test(target)) targets.push(target);
  }
  return targets;
}

/** Every circle of imports, each named by its files in order (Tarjan's strongly connected components). */
function importCycles(files: string[], edges: (file: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of edges(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || edges(file).includes(file)) cycles.push(component.reverse());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

describe('import structure', () => {
  it('finds a circle when there is one (the check can fail)', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['a'] };
    expect(importCycles(Object.keys(graph), (f) => graph[f] ?? [])).toEqual([['a', 'b', 'c']]);
  });

  it('has no import cycle between product files', () => {
    const files = PRODUCT_FOLDERS.flatMap((folder) => sourceFiles(join(root, folder)));
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const cycles = importCycles(files, (file) => graph.get(file) ?? []).map((cycle) => cycle.map((f) => relative(root, f)).join(' → '));
    expect(cycles).toEqual([]);
  });
});
