// The Temporal Web UI tells a parked incident's story: its start summary (SKU and network), its current details
// (stage, severity, shortage, customers, backorders, why it needs attention) and its activities' summaries, and
// no customer data. A dev server of its own with the Web UI on (the test run's shared one has none), a real
// worker, and a headless Chromium that keeps a screenshot under test-artifacts/screenshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, PRESETS } from '../../src/dataset/generate';
import { startDevServer, type DevServer } from '../../src/embedded/dev-server';
import { SMTP_CONFIGURATION } from '../../src/notifications/mailer';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import { keepScreenshot, launchBrowser } from '../harness/browser';
import { activitiesWith } from '../harness/incident-worlds';
import { freePorts } from '../harness/process';
import { createWorld, policyWith, SHORT_SKU, waitForState, type World } from '../incident/world';

describe.skipIf(process.env.SKIP_TEMPORAL === '1')('the Temporal UI of a parked incident', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'temporal-ui-'));
  let devServer: DevServer;
  let env: TestWorkflowEnvironment;
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    const [port, uiPort] = (await freePorts(2)) as [number, number];
    devServer = await startDevServer({ dataDir, port, uiPort });
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: devServer.address });
    world = await createWorld(env, {
      workerActivities: activitiesWith({
        replace: () => ({
          async deliverNoticeBatch() {
            throw ApplicationFailure.nonRetryable('the SMTP server refused our session at login (535 credentials invalid)', SMTP_CONFIGURATION);
          },
        }),
      }),
    });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await env?.teardown();
    await devServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows its summary, current details and what it needs, without customer data', async () => {
    const operations = createIncidentOperations({ client: world.client, policy: policyWith({ approval: { severityThreshold: 'critical' } }), taskQueue: world.taskQueue, store: world.store });
    const { workflowId } = await operations.trigger({ triggerId: 'ui-story', sku: SHORT_SKU, network: world.network, source: 'webhook', reason: 'under critical level' });
    const handle = world.client.workflow.getHandle(workflowId);
    world.handles.push(handle);
    await world.worker.runUntil(async () => {
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention?.stage).toBe('notifying');

      const description = await handle.describe();
      expect(await description.staticSummary()).toBe(`Stockout of ${SHORT_SKU} in network ${world.network}`);
      const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
      expect(metadata.currentDetails).toContain('**Stage:** needs-attention');
      expect(metadata.currentDetails).toContain('**Needs attention**');
      expect(metadata.currentDetails).toContain(`**Shortage:** ${parked.impact!.shortage} units`);
      expect(metadata.currentDetails).toContain(`**Backorders open:** ${parked.backorders!.openUnits} units`);

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${devServer.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${description.runId}/history`);
      const summary = `Stockout of ${SHORT_SKU} in network ${world.network}`;
      let text = '';
      try {
        // This UI keeps summary and details under the run's "User Metadata" tab, each rendered in a frame of its own.
        await page.getByText('User Metadata', { exact: true }).first().click({ timeout: 30_000 });
        const deadline = Date.now() + 30_000;
        while (!(text.includes(summary) && text.includes('Needs attention')) && Date.now() < deadline) {
          await page.waitForTimeout(250);
          text = (await Promise.all(page.frames().map((frame) => frame.locator('body').innerText().catch(() => '')))).join('\n');
        }
      } finally {
        // Kept either way: what the page showed is the first thing to look at when it did not show enough.
        await keepScreenshot(page, 'temporal-ui-parked-incident');
      }
      expect(text).toContain(summary);
      expect(text).toContain('Needs attention');
      expect(text).toContain('credentials invalid');
      expect(text).toContain(`Backorders open: ${parked.backorders!.openUnits} units`);
      // The world's data set is the demo one: the same customers.
      const { customers } = generateDataset({ ...PRESETS.demo, network: world.network });
      expect(customers.filter((c) => text.includes(c.name) || c.contacts.some((contact) => text.includes(contact.email))).map((c) => c.customerId)).toEqual([]);
      await page.close();
    });
  }, 240_000);
});
