// The browser the tests drive: Debian's `chromium`, installed once per machine when it is missing (a browser
// download of a test tool's own fails offline; a Debian package installs like any other). Resolution order:
// CHROMIUM_PATH → `chromium` on PATH → `apt-get install chromium` (as root) → an error saying how to get one.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ResolvedBrowser {
  path: string;
  source: 'env' | 'path' | 'installed';
  seconds: number;
}

type Log = (line: string) => void;

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export function provideChromium(log: Log, env: Record<string, string | undefined> = process.env): ResolvedBrowser {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  if (env.CHROMIUM_PATH) return { path: env.CHROMIUM_PATH, source: 'env', seconds: seconds() };
  const searchPath = env.PATH ?? '';
  const found = onPath('chromium', searchPath);
  if (found) return { path: found, source: 'path', seconds: seconds() };
  const aptGet = onPath('apt-get', searchPath);
  if (!aptGet || process.getuid?.() !== 0) {
    throw new Error('Cannot provide Chromium for the browser tests: install Debian\'s `chromium` package (apt-get install chromium) or set CHROMIUM_PATH.');
  }
  log('installing Debian chromium (once per machine)…');
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'] as ('ignore' | 'inherit')[], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
  execFileSync(aptGet, ['update', '-qq'], quiet);
  execFileSync(aptGet, ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], quiet);
  const installed = onPath('chromium', searchPath);
  if (!installed) throw new Error('apt-get installed chromium, but no `chromium` is on PATH');
  const result = { path: installed, source: 'installed' as const, seconds: seconds() };
  log(`chromium installed in ${result.seconds.toFixed(1)} s`);
  return result;
}
