// A real browser for the page tests: Debian's Chromium (provisioned by the setup step) driven by playwright-core,
// with the flags this offline machine needs (no background networking, no sandbox as root). Screenshots are
// kept as test artefacts in test-artifacts/screenshots; axe-core checks accessibility in the page itself.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { provideChromium } from '../../src/setup/chromium';

const root = new URL('../../', import.meta.url).pathname;
export const SCREENSHOT_DIR = join(root, 'test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  const { path } = provideChromium(() => {});
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A full-page screenshot at the page's current width, kept under test-artifacts/screenshots/<name>.png. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical accessibility violations of the page as it stands (axe-core run inside the page). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol rather than added as a <script>: pages whose Content-Security-Policy
  // forbids inline scripts (the console's) would refuse the tag.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[] }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
