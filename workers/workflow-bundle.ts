// The workflow bundle built once per version of the code and kept as a file, so a restarted worker (after a
// crash or a kill) loads it instead of bundling again: bundling is seconds of CPU at every start, spent while
// the incidents a dead worker left stand still. The file is named by a hash of every source the bundle may
// include (workflows/, src/ and the lock file that pins the SDK), so changed workflow code is bundled anew and
// never runs from a stale bundle.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Runtime, type Logger } from '@temporalio/worker';
import { TRACING_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './incident-worker';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['workflows', 'src', 'package-lock.json'];

/** Where a data folder keeps its bundles. */
export const WORKFLOW_BUNDLE_DIR = 'workflow-bundles';

/**
 * The bundle of today's workflow code in `dir`, built and written there first when no worker has yet; `traced`
 * adds the workflows' span interceptors (a bundle of its own: they are not in the untraced one).
 */
export async function prebuiltWorkflowBundle(dir: string, options: { traced: boolean; logger?: Logger }): Promise<{ codePath: string }> {
  const codePath = join(dir, `workflows-${sourceHash()}${options.traced ? '-traced' : ''}.js`);
  if (existsSync(codePath)) return { codePath };
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...(options.traced ? { workflowInterceptorModules: TRACING_INTERCEPTOR_MODULES } : {}),
    // The runtime's logger, as a worker bundling for itself would use: the worker's lines stay JSON.
    logger: options.logger ?? Runtime.instance().logger,
  });
  mkdirSync(dir, { recursive: true });
  // Written aside, then renamed: a worker killed while writing leaves no half bundle for the next to load.
  const partial = `${codePath}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, codePath);
  return { codePath };
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
