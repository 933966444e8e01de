// Workflow code runs in Temporal's deterministic sandbox: the linter refuses Node built-ins and activity
// implementations there — in workflows/ and in every module the workflow bundle imports values from.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

async function lint(text: string, file = join(root, 'workflows', 'lint-probe.ts')) {
  const [result] = await eslint.lintText(text, { filePath: file });
  return result!.messages.map((m) => ({ rule: m.ruleId, severity: m.severity, message: m.message }));
}

/** Files the workflow bundle loads: everything reached from its entry through imports that are not `import type`. */
function workflowBundleFiles(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      const isImport = ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly;
      const isExport = ts.isExportDeclaration(statement) && !statement.isTypeOnly;
      if (!(isImport || isExport) || !statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const specifier = statement.moduleSpecifier.text;
      if (!specifier.startsWith('.')) continue;
      const base = resolve(dirname(file), specifier);
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (!target) throw new Error(`${relative(root, file)}: cannot resolve ${specifier}`);
      visit(target);
    }
  };
  visit(entry);
  return [...seen];
}

describe('lint rules for workflow code', () => {
  it('refuses a Node built-in in a workflow', async () => {
    const messages = await lint("import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
    expect(messages).toContainEqual(expect.objectContaining({ rule: 'no-restricted-imports', severity: 2, message: expect.stringMatching(/node:fs/) }));
  });

  it('refuses a value import of the activities, through their index or a module of theirs', async () => {
    for (const from of ['../activities', '../activities/scan']) {
      const messages = await lint(`import { createActivities } from '${from}';\nexport const activities = createActivities;\n`);
      expect(messages, from).toContainEqual(
        expect.objectContaining({ rule: 'no-restricted-imports', severity: 2, message: expect.stringMatching(/proxyActivities/) }),
      );
    }
  });

  it('allows a type-only import of the activities', async () => {
    const messages = await lint("import type { createActivities } from '../activities';\nexport type Activities = ReturnType<typeof createActivities>;\n");
    expect(messages).toEqual([]);
  });

  it('covers every module the workflow bundle imports values from', async () => {
    const files = workflowBundleFiles(join(root, 'test', 'harness', 'workflows.ts'));
    expect(files.map((file) => relative(root, file))).toContain('src/temporal/search-attributes.ts');
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown[]> };
      const rule = config.rules?.['no-restricted-imports'];
      expect(rule?.[0], relative(root, file)).toBe(2);
      expect(JSON.stringify(rule), relative(root, file)).toContain('"node:fs"');
    }
  });
});
