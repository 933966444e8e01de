// The browser the page tests use is really there: Chromium renders a page, a screenshot is kept, and axe-core
// finds a serious violation when there is one (so a clean result elsewhere means something).
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepScreenshot, launchBrowser, seriousViolations } from '../harness/browser';

describe('browser harness', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders a page, keeps its screenshot and reports what axe-core finds', async () => {
    const page = await browser.newPage({ viewport: { width: 400, height: 300 } });
    await page.setContent('<!doctype html><html lang="en"><head><title>probe</title></head><body><main><img src="data:,"><p>Hello</p></main></body></html>');
    expect(await page.textContent('p')).toBe('Hello');
    expect(existsSync(await keepScreenshot(page, 'harness-probe'))).toBe(true);
    // An image without alt text is a critical violation.
    expect((await seriousViolations(page)).map((v) => v.id)).toContain('image-alt');
    await page.close();
  });
});
