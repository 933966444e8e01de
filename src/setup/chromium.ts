// The browser the tests drive: Debian's `chromium`, installed once per machine when it is missing (a browser
// download of a test tool's own fails offline; a Debian package installs like any other). Resolution order:
// CHROMIUM_PATH → `chromium` on PATH → `apt-get install chromium` (as root) → an error saying how to get one.
import { aptGetAsRoot, aptGetInstall, onPath } from './executables';

export interface ResolvedBrowser {
  path: string;
  source: 'env' | 'path' | 'installed';
  seconds: number;
}

type Log = (line: string) => void;

export function provideChromium(log: Log, env: Record<string, string | undefined> = process.env): ResolvedBrowser {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  if (env.CHROMIUM_PATH) return { path: env.CHROMIUM_PATH, source: 'env', seconds: seconds() };
  const searchPath = env.PATH ?? '';
  const found = onPath('chromium', searchPath);
  if (found) return { path: found, source: 'path', seconds: seconds() };
  const aptGet = aptGetAsRoot(searchPath);
  if (!aptGet) {
    throw new Error('Cannot provide Chromium for the browser tests: install Debian\'s `chromium` package (apt-get install chromium) or set CHROMIUM_PATH.');
  }
  log('installing Debian chromium (once per machine)…');
  aptGetInstall(aptGet, ['chromium', 'fonts-dejavu-core'], env);
  const installed = onPath('chromium', searchPath);
  if (!installed) throw new Error('apt-get installed chromium, but no `chromium` is on PATH');
  const result = { path: installed, source: 'installed' as const, seconds: seconds() };
  log(`chromium installed in ${result.seconds.toFixed(1)} s`);
  return result;
}
