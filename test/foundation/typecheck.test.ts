// A type error fails the test command: `npm test` type-checks before vitest runs, with the project's own
// strict settings, so a probe with a type error in it must be refused by exactly that check.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const probeDir = join(root, 'node_modules', '.cache', 'type-error-probe');

afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

it('type-checks before running the tests, so `npm test` stops at a type error', () => {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const steps = scripts.test!.split('&&').map((step) => step.trim());
  expect(steps.indexOf('npm run typecheck')).toBeGreaterThanOrEqual(0);
  expect(steps.indexOf('npm run typecheck')).toBeLessThan(steps.findIndex((step) => step.startsWith('vitest')));
  expect(scripts.typecheck).toBe('tsc --noEmit');
});

it('refuses code with a type error under the project settings', async () => {
  mkdirSync(probeDir, { recursive: true });
  writeFileSync(join(probeDir, 'probe.ts'), "export const units: number = 'twelve';\n");
  writeFileSync(join(probeDir, 'tsconfig.json'), JSON.stringify({ extends: join(root, 'tsconfig.json'), include: ['probe.ts'] }));
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const outcome = await promisify(execFile)(tsc, ['--noEmit', '-p', probeDir]).then(
    () => ({ code: 0, stdout: '' }),
    (error: { code: number; stdout: string }) => error,
  );
  expect(outcome.code).not.toBe(0);
  expect(outcome.stdout).toContain('TS2322');
}, 60_000);
