// Installs the locked dependencies when node_modules is missing or was installed from another lock file.
// Plain JavaScript: it runs before tsx exists. A fresh clone pays for `npm ci` once; later runs skip it.
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const lockHash = createHash('sha256').update(readFileSync('package-lock.json')).digest('hex');
const marker = 'node_modules/.stockout-lock-hash';
if (existsSync(marker) && readFileSync(marker, 'utf8') === lockHash) {
  console.log('[setup] dependencies up to date');
} else {
  const started = Date.now();
  console.log('[setup] npm ci (locked dependencies)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
  writeFileSync(marker, lockHash);
  console.log(`[setup] dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
