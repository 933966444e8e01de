// The workflow bundle built once per version of the code and kept as a file, so a restarted worker (after a
// crash or a kill) loads it instead of bundling again: bundling is seconds of CPU at every start, spent while
// the incidents a dead worker left stand still. The file is named by a hash of every source the bundle may
// include (workflows/, src/ and the lock file that pins the SDK), so changed workflow code is bundled anew and
// never runs from a stale bundle. Bundles of other versions are deleted once no worker has started from them
// for a while (STALE_AFTER_MS), so the folder does not keep one file per version ever deployed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Runtime, type Logger } from '@temporalio/worker';
import { TRACING_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './incident-worker';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['workflows', 'src', 'package-lock.json'];

/** Where a data folder keeps its bundles. */
export const WORKFLOW_BUNDLE_DIR = 'workflow-bundles';

/** A bundle's file name (`workflows-<hash>[-traced].js`), or that of one being written (`….js.<pid>.partial`). */
const BUNDLE_FILE = /^workflows-([0-9a-f]{20})(?:-traced)?\.js(\.\d+\.partial)?$/;

/**
 * How long a bundle of another version is kept after a worker last started from it (each start touches its
 * file). An age, not "the newest few": a worker reads its bundle once, when it is created, so only a worker of
 * the other version between finding its file and loading it (seconds), or restarting in a crash loop, still
 * needs it, however many versions came since. An hour is far beyond that window; a bundle deleted under such a
 * worker costs it a failed start and one bundling, never a stale bundle. A partial file that old is a killed
 * writer's: a living one writes in seconds.
 */
export const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * The bundle of today's workflow code in `dir`, built and written there first when no worker has yet; `traced`
 * adds the workflows' span interceptors (a bundle of its own: they are not in the untraced one).
 */
export async function prebuiltWorkflowBundle(dir: string, options: { traced: boolean; logger?: Logger }): Promise<{ codePath: string }> {
  // The runtime's logger, as a worker bundling for itself would use: the worker's lines stay JSON.
  const logger = options.logger ?? Runtime.instance().logger;
  const hash = sourceHash();
  const codePath = join(dir, `workflows-${hash}${options.traced ? '-traced' : ''}.js`);
  if (touched(codePath)) {
    removeStaleBundles(dir, hash, logger);
    return { codePath };
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...(options.traced ? { workflowInterceptorModules: TRACING_INTERCEPTOR_MODULES } : {}),
    logger,
  });
  mkdirSync(dir, { recursive: true });
  // Written aside, then renamed: a worker killed while writing leaves no half bundle for the next to load.
  const partial = `${codePath}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, codePath);
  removeStaleBundles(dir, hash, logger);
  return { codePath };
}

/** Marks the bundle as started from now, so workers of other versions keep it; false when there is none. */
function touched(codePath: string): boolean {
  const now = new Date();
  try {
    utimesSync(codePath, now, now);
    return true;
  } catch (error) {
    // Not ours to touch (another user's worker wrote it) but there to load: still this version's bundle.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Deletes the bundles of other versions than `hash`, and partial files, that no worker touched for STALE_AFTER_MS.
 * A file another worker deleted first is gone all the same; one that cannot be deleted is logged and left, since
 * an old file never stops a worker starting.
 */
function removeStaleBundles(dir: string, hash: string, logger: Logger): void {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const name of readdirSync(dir)) {
    const [, fileHash, partial] = BUNDLE_FILE.exec(name) ?? [];
    if (!fileHash || (fileHash === hash && !partial)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs < cutoff) unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('stale workflow bundle not deleted', { path, error: String(error) });
    }
  }
}

/** sha256 over the path and content of every file the bundle may include, in a stable order. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) visit(child);
      else hash.update(`${relative(ROOT, child)}\n`).update(readFileSync(child));
    }
  };
  for (const source of SOURCES) {
    const path = join(ROOT, source);
    if (source.endsWith('.json')) hash.update(`${source}\n`).update(readFileSync(path));
    else visit(path);
  }
  return hash.digest('hex').slice(0, 20);
}
