// Finding the programs provisioning runs, and installing the Debian packages that bring missing ones: what the
// Temporal servers, PostgreSQL and Chromium provisioning share.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the folders of `searchPath` (a PATH value), as a full path. */
export function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** apt-get, when this process may install packages with it (root); undefined elsewhere. */
export function aptGetAsRoot(searchPath: string): string | undefined {
  const aptGet = onPath('apt-get', searchPath);
  return aptGet && process.getuid?.() === 0 ? aptGet : undefined;
}

/** Installs Debian packages without questions or recommended extras; apt-get's errors still show. */
export function aptGetInstall(aptGet: string, packages: string[], env: Record<string, string | undefined>): void {
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'] as ('ignore' | 'inherit')[], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
  execFileSync(aptGet, ['update', '-qq'], quiet);
  execFileSync(aptGet, ['install', '-y', '-qq', '--no-install-recommends', ...packages], quiet);
}
