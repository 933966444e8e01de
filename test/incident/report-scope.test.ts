// A report covers what was committed and sent. Whole incidents on the time-skipping server against the
// reference inventory/CRM service, read back through the operations the API serves and the CLI prints: an
// incident cancelled before commit reports no commit figures, losses, ageing or fill rate; a false alarm
// says the demand is covered, by how much, and nothing else.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { run } from '../../src/cli/main';
import { createIncidentOperations, type IncidentOperations } from '../../src/operations/incident-operations';
import { cancelSignal } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { COVERED_SKU, SHORT_SKU, manualTrigger, policyWith, startIncident, waitForState, type World } from './world';

const worlds = timeSkippingWorlds();

function operationsOf(w: World): IncidentOperations {
  return createIncidentOperations({ client: w.client, policy: DEFAULT_POLICY, taskQueue: w.taskQueue, store: w.store, inventory: w.deps.inventory });
}

/** What `stockout <argv>` prints for people. */
async function cliText(operations: IncidentOperations, ...argv: string[]): Promise<string> {
  let out = '';
  const code = await run(argv, { operations, stdout: { write: (chunk: string) => (out += chunk) } });
  expect(code, out).toBe(0);
  return out;
}

/** Figures only a committed plan has. */
const COMMIT_FIGURES = ['overall', 'byStage', 'backorderAgeing', 'backorderBurnDown', 'networkBuffer', 'largestCustomer', 'customerShares', 'firstNoticeAfterMinutes'];

describe('what a report covers', () => {
  it('an incident cancelled while awaiting approval reports no commit figures, no losses, no ageing, no fill rate, and advises from what was learned', async () => {
    const w = await worlds.open();
    const operations = operationsOf(w);
    await w.worker.runUntil(async () => {
      const always = { approval: { severityThreshold: 'low' as const, deadlineHours: 24, timeoutAction: 'escalate' as const } };
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(always));
      const waiting = await waitForState(handle, 'awaiting-approval');
      expect(waiting.plan!.totals.backordered).toBeGreaterThan(0);
      await handle.signal(cancelSignal, { reason: 'supplier found stock', cancelledBy: 'carla' });
      const summary = await handle.result();
      expect(summary).toMatchObject({ outcome: 'cancelled', scope: 'not-committed', fillRate: null, revenueAtRisk: null, revenueProtected: null, firstNoticeAfterMinutes: null });

      const view = await operations.report(handle.workflowId);
      expect(view.report).toMatchObject({ scope: 'not-committed', plannedRevision: 0, cancellation: { cancelledBy: 'carla', reason: 'supplier found stock' } });
      for (const figure of COMMIT_FIGURES) expect(view.report, figure).not.toHaveProperty(figure);
      expect(view.report!.recommendations.join('\n')).toContain('cancelled before its plan was committed (carla: supplier found stock)');
      expect(view.report!.recommendations.join('\n')).not.toMatch(/buffer|gap customers|fill rate|safety stock/i);

      // The timeline's closing entry states no fill rate either.
      const state = await operations.show(handle.workflowId);
      const closing = state.timeline.find((t) => t.event === 'incident cancelled');
      expect(closing?.detail).toBe('cancelled before its plan was committed: nothing was reserved, backordered or told to customers');

      const text = await cliText(operations, 'report', handle.workflowId);
      expect(text).toContain('Outcome            cancelled before its plan was committed');
      expect(text).toContain('Nothing was reserved, backordered or told to customers');
      // No rate, no money, no at-commit table, no ageing table.
      expect(text).not.toMatch(/%|EUR|At commit|Backorder ageing|LOST/);
      expect(await cliText(operations, 'show', handle.workflowId)).not.toMatch(/Outcome: .*fill rate/);
    });
  });

  it('a false alarm says plainly that demand is covered and by how much, nothing else', async () => {
    const w = await worlds.open();
    const operations = operationsOf(w);
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, COVERED_SKU), policyWith({ approval: { severityThreshold: 'critical' } }));
      const summary = await handle.result();
      expect(summary).toMatchObject({ outcome: 'false-alarm', scope: 'false-alarm', fillRate: null, revenueAtRisk: null, revenueProtected: null });

      const state = await operations.show(handle.workflowId);
      const { demand, available } = state.impact!;
      const spare = available - demand;
      expect(spare).toBeGreaterThan(0);
      const view = await operations.report(handle.workflowId);
      expect(view.report).toMatchObject({ scope: 'false-alarm', cover: { demand, available, spare } });
      for (const figure of [...COMMIT_FIGURES, 'shortage']) expect(view.report, figure).not.toHaveProperty(figure);

      const said = `demand covered: ${available} units available for ${demand} open units, ${spare} to spare`;
      const shown = await cliText(operations, 'show', handle.workflowId);
      expect(shown).toContain(said);
      expect(shown).not.toMatch(/Shortage|Affected customers|Gap \(days\)|Days of cover|fill rate/);
      const reported = await cliText(operations, 'report', handle.workflowId);
      expect(reported).toContain(said);
      expect(reported).not.toMatch(/%|EUR|Shortage|Affected|Gap|fill rate/i);
      expect(state.timeline.find((t) => t.event === 'incident false-alarm')?.detail).toBe(said);
    });
  });
});
