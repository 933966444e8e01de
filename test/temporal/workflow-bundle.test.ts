// The prebuilt workflow bundles of a data folder (workers/workflow-bundle.ts) in a real folder: a worker start
// deletes other versions' bundles and killed writers' partial files that no worker started from within
// STALE_AFTER_MS, and keeps its own, the one of its version with the other tracing, younger files and anything
// that is not a bundle. Starting from a bundle touches it, so a worker of another version keeps it.
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { prebuiltWorkflowBundle, STALE_AFTER_MS } from '../../workers/workflow-bundle';

const dir = mkdtempSync(join(tmpdir(), 'workflow-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('deletes stale bundles of other versions and stale partial files, keeps the rest, and marks its own as started from', async () => {
  const { codePath } = await prebuiltWorkflowBundle(dir, { traced: false });
  const hash = /^workflows-([0-9a-f]{20})\.js$/.exec(basename(codePath))![1]!;
  const [other, another] = ['0', '1'].map((digit) => (hash === digit.repeat(20) ? '2' : digit).repeat(20));
  // Ten minutes either side of the limit: a last start long enough ago, and one recent enough.
  const stale = new Date(Date.now() - STALE_AFTER_MS - 600_000);
  const recent = new Date(Date.now() - STALE_AFTER_MS + 600_000);
  const files: Record<string, { touched: Date; kept: boolean }> = {
    [`workflows-${other}.js`]: { touched: stale, kept: false },
    [`workflows-${other}-traced.js`]: { touched: stale, kept: false },
    [`workflows-${other}.js.4242.partial`]: { touched: stale, kept: false },
    [`workflows-${hash}.js.4242.partial`]: { touched: stale, kept: false },
    [`workflows-${another}.js`]: { touched: recent, kept: true },
    [`workflows-${hash}-traced.js.4343.partial`]: { touched: recent, kept: true },
    [`workflows-${hash}-traced.js`]: { touched: stale, kept: true },
    'notes.txt': { touched: stale, kept: true },
  };
  for (const [name, { touched }] of Object.entries(files)) {
    writeFileSync(join(dir, name), '// not a real bundle\n');
    utimesSync(join(dir, name), touched, touched);
  }
  // This version's own bundle, last started from long ago.
  utimesSync(codePath, stale, stale);
  const startedAt = Date.now();

  expect(await prebuiltWorkflowBundle(dir, { traced: false })).toEqual({ codePath });

  const expected = [basename(codePath), ...Object.entries(files).filter(([, { kept }]) => kept).map(([name]) => name)];
  expect(readdirSync(dir).sort()).toEqual(expected.sort());
  expect(statSync(codePath).mtimeMs, 'touched by the start').toBeGreaterThanOrEqual(startedAt - 1000);
}, 120_000);
