// One definition per figure: an incident run end to end (time-skipping server, the reference inventory/CRM
// service over HTTP, a real SMTP sink), then every figure it states read three ways — `stockout show --json`,
// `stockout report --json` and the HTTP API — and reconciled: revenue at risk, the demand with the
// confirmations made before the incident, customers affected and told, substituted units, the cap.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { startApi, type RunningApi } from '../../src/api/server';
import { run } from '../../src/cli/main';
import { money } from '../../src/cli/format';
import type { IncidentState } from '../../src/incident/state';
import { createIncidentOperations, type IncidentOperations, type IncidentReportView } from '../../src/operations/incident-operations';
import { committedReport } from '../../src/report/incident-report';
import { recordRestockUpdate } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { SHORT_SKU, emailsByKind, manualTrigger, policyWith, settledState, startIncident, waitForState, type World } from '../incident/world';

const TOKEN = 'figures-token-figures-token';
const worlds = timeSkippingWorlds();

let w: World;
let operations: IncidentOperations;
let api: RunningApi;
beforeEach(async () => {
  w = await worlds.open();
  operations = createIncidentOperations({ client: w.client, policy: DEFAULT_POLICY, taskQueue: w.taskQueue, store: w.store, inventory: w.deps.inventory });
  api = await startApi({ operations, answerLinks: w.deps.answerLinks, config: { API_TOKEN: TOKEN, API_HOST: '127.0.0.1', API_PORT: 0 } });
});
afterEach(async () => {
  await api?.close();
});

async function cli(...argv: string[]): Promise<string> {
  let out = '';
  const code = await run(argv, { operations, stdout: { write: (chunk: string) => (out += chunk) } });
  expect(code, out).toBe(0);
  return out;
}

async function viaApi<T>(path: string): Promise<T> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe('figures agree across views', () => {
  it("every figure of one incident is the same in show --json, report --json and the API, and the texts state them", async () => {
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith({ approval: { severityThreshold: 'critical' } }));
      await waitForState(handle, 'following-up', (s) => s.firstNoticeAt !== null);
      const open = (await settledState(handle)).backorders!.openUnits;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-FIG', quantity: open }] });
      await handle.result();
      const id = handle.workflowId;

      const shown = JSON.parse(await cli('show', id, '--json')) as IncidentState;
      const reported = JSON.parse(await cli('report', id, '--json')) as IncidentReportView;
      // The API answers what the CLI prints, figure for figure.
      expect(await viaApi<IncidentState>(`/incidents/${encodeURIComponent(id)}`)).toEqual(shown);
      expect(await viaApi<IncidentReportView>(`/incidents/${encodeURIComponent(id)}/report`)).toEqual(reported);

      const impact = shown.impact!;
      const plan = shown.plan!;
      const commit = shown.commit!;
      const report = committedReport(reported.report)!;
      expect(report).not.toBeNull();
      expect(reported.summary.scope).toBe('committed');

      // Revenue at risk: one figure, with one currency, in the plan, the summary and the report.
      expect(plan.currency).toBe('EUR');
      expect(report.currency).toBe(plan.currency);
      expect(plan.totals.revenueAtRisk).toBeGreaterThan(0);
      expect(reported.summary.revenueAtRisk).toBe(plan.totals.revenueAtRisk);
      expect(report.overall.revenueAtRisk).toBe(plan.totals.revenueAtRisk);
      for (const row of plan.byStage) expect(report.byStage.find((r) => r.stage === row.stage)?.revenueAtRisk, row.stage).toBe(row.revenueAtRisk);
      // Substitutes protect part of it at commit, and no more than the report says was protected in the end.
      expect(plan.totals.revenueProtected).toBeLessThanOrEqual(report.overall.revenueProtected);

      // Demand: the assessment's open units plus the confirmations made before the incident are what the plan requests.
      const confirmedBefore = plan.totals.requested - impact.demand;
      expect(confirmedBefore).toBeGreaterThanOrEqual(0);
      expect(report.overall.requested).toBe(plan.totals.requested);
      for (const row of plan.byStage) {
        const r = report.byStage.find((x) => x.stage === row.stage)!;
        expect(r.requested, row.stage).toBe(row.requested);
        expect(r.servedAtOnce, row.stage).toBe(row.allocated + row.substituted);
        expect(r.backorderedAtCommit, row.stage).toBe(row.backordered);
        expect(r.customersWithNothingAtCommit, row.stage).toBe(row.customersWithNothing);
      }
      expect(report.overall.backorderedAtCommit).toBe(commit.backorderedUnits);

      // Customers: those told are the ones the plan's shortage touches; the first notice went to exactly them.
      const firstNotice = shown.deliveries.find((d) => d.kind === 'first-notice')!;
      expect(plan.customersToTell).toBeGreaterThan(0);
      expect(firstNotice.sent + firstNotice.skipped + firstNotice.rejected).toBe(plan.customersToTell);
      expect(emailsByKind(w)['first-notice']?.length).toBe(firstNotice.sent + firstNotice.digests);
      expect(report.overall.customers).toBe(plan.totals.customers);

      // The largest customer's share and the cap it was planned under.
      expect(report.largestCustomerShare).toBe(plan.largestCustomerShare);
      expect(report.capPercent).toBe(plan.capPercent);

      // The texts people read state the same figures.
      const showText = await cli('show', id);
      const reportText = await cli('report', id);
      const atRisk = money(plan.totals.revenueAtRisk, 'EUR');
      expect(showText).toMatch(new RegExp(`Revenue at risk\\s+${atRisk.replace(/[.]/g, '\\.')} \\(plan revision ${plan.revision}\\)`));
      expect(reportText).toMatch(new RegExp(`Revenue at risk\\s+${atRisk.replace(/[.]/g, '\\.')}\\n`));
      expect(showText).toContain(`${impact.demand} open units on ${impact.affectedLines} lines`);
      if (confirmedBefore > 0) expect(showText).toContain(`+ ${confirmedBefore} units confirmed before the incident`);
      expect(showText).toContain(`${plan.customersToTell} of the plan's ${plan.totals.customers} are told`);
      expect(showText).toContain(`${commit.substituteUnits} units of substitute SKUs covering ${plan.totals.substituted} ordered units`);
    });
  });
});
