// The demo crisis of the main job, driven as its users would: the inventory system reports a SKU under its
// critical level (webhook), a planner compares the plan under another policy and approves it (API), a
// delivery of the substitute arrives and the supplier's ETA slips (the ETA emails offer the substitute), a
// customer accepts it through the link in its email, the restock arrives, and the incident closes with its
// report. State-driven, so a restarted run picks up where it was.
import { readFileSync } from 'node:fs';
import type { IncidentOperations, TriggerResult } from '../operations/incident-operations';
import type { InventorySystem } from '../inventory/system';
import { addDays } from '../allocation/dates';
import { DEFAULT_POLICY } from '../allocation/policy';
import type { IncidentState } from '../incident/state';
import { isOver as stageIsOver } from '../incident/vocabulary';
import { money } from '../cli/format';
import { committedReport } from '../report/incident-report';
import { outcomeLine } from '../report/outcome-line';
import { incidentWorkflowId } from '../incident/state';
import { incidentWaiter, operatorApi, sayImpact } from './operator';
import { SCENARIO_NAMES } from './scenarios';
import type { SmtpSink } from './smtp-sink';
import type { ScanTotals } from '../../workflows/threshold-scan';

export const DEMO_SKU = 'SKU-DEMO-1';
export const DEMO_NETWORK = 'EU';

export interface DemoOptions {
  apiUrl: string;
  apiToken: string;
  operations: IncidentOperations;
  inventory: InventorySystem;
  sink: SmtpSink;
  say: (line: string) => void;
  uiUrl: string;
  /** Where the incident store keeps the report (src/incident-store/configured-store storeLocation). */
  storeLocation: string;
  /** Runs the network's scheduled threshold scan now, when the network is watched. */
  scanNow?: () => Promise<ScanTotals>;
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const api = operatorApi(o.apiUrl, o.apiToken);
  // An earlier run's demo incident that ended: say what is there rather than open a second one (the webhook
  // would, on another day: its event id names the day).
  const earlier = await o.operations.latest(DEMO_NETWORK, DEMO_SKU);
  if (earlier && !earlier.running) return sayEarlierDemo(o, incidentWorkflowId(DEMO_NETWORK, DEMO_SKU));

  o.say(`the inventory system reports ${DEMO_SKU} under its critical level (webhook)…`);
  const triggered = (await api('POST', '/webhooks/inventory/critical-level', {
    sku: DEMO_SKU,
    network: DEMO_NETWORK,
    onHand: 40,
    criticalLevel: 120,
    eventId: `demo-${new Date().toISOString().slice(0, 10)}`,
  })) as TriggerResult;
  const id = triggered.workflowId;
  if (triggered.alreadyRecorded) return sayEarlierDemo(o, id);
  if (!triggered.started) o.say(`incident ${id} is still ${(await o.operations.show(id)).stage} from an earlier run: the demo goes on with it`);
  else o.say(`incident ${id} opened`);
  if (o.scanNow) {
    o.say('the scheduled threshold scan runs now too (it would within the quarter hour)…');
    const scan = await o.scanNow();
    o.say(`  scan: ${scan.scanned} SKUs, ${scan.atRisk} below the critical cover; ${scan.started} incidents opened, ${scan.attached} attached to running ones`);
  }

  const waitFor = incidentWaiter(o.operations, id, o.say);
  const isOver = (s: IncidentState) => stageIsOver(s.stage);

  let state = await waitFor('a plan', (s) => isOver(s) || s.stage === 'awaiting-approval' || s.stage === 'following-up');
  sayImpact(o.say, state);

  if (state.stage === 'awaiting-approval' && state.plan) {
    const comparison = await o.operations.simulate(id, { ...DEFAULT_POLICY, name: 'strict-priority', floorPercent: 0, capPercent: 100 });
    o.say('what-if under strict priority (no fair-share floor, no concentration cap), per relationship stage:');
    for (const row of comparison.difference) {
      o.say(
        `  ${row.stage.padEnd(15)} allocated ${signed(row.allocated).padStart(6)}, substituted ${signed(row.substituted).padStart(6)}, backordered ${signed(row.backordered).padStart(6)} units  ${signed(Math.round(row.fillRate * 1000) / 10).padStart(6)} pts`,
      );
    }
    o.say(`a planner approves plan revision ${state.plan.revision} through the API…`);
    await api('POST', `/incidents/${encodeURIComponent(id)}/decision`, {
      decision: 'approve',
      planRevision: state.plan.revision,
      decidedBy: 'demo-planner',
      comment: 'fair split approved',
    });
  }

  state = await waitFor('the customer notices', (s) => isOver(s) || (s.stage === 'following-up' && s.firstNoticeAt !== null));
  if (!isOver(state)) {
    o.say(`${o.sink.messages().length} emails in the sink so far; open backorders: ${state.backorders?.openUnits ?? 0} units`);
    const po = (await o.inventory.listInbound(DEMO_SKU)).filter((p) => p.status === 'open').sort((a, b) => a.eta.localeCompare(b.eta))[0];
    if (state.etaRevision === 0 && po) {
      await substituteDelivery(o, state);
      // A week later than the PO's date, or than today for a data set whose dates have passed: the incident takes no past ETA.
      const today = new Date().toISOString().slice(0, 10);
      const eta = addDays(po.eta > today ? po.eta : today, 7);
      o.say(`the supplier moves the ETA of ${po.poId} by a week, to ${eta}; customers with open backorders are told (with the substitute now on offer)…`);
      await o.operations.changeEta(id, { poId: po.poId, eta, reason: 'supplier delay' });
      await waitFor('the ETA notices', (s) => isOver(s) || s.deliveries.some((d) => d.kind === 'eta-change'));
    }
    await acceptASubstitute(o);
    // The substitute answer and the ETA change both change what is still open: the restock covers it once they are applied.
    state = await waitFor('the answer to be applied', (s) => isOver(s) || s.pendingEvents === 0);
    const open = state.backorders?.openUnits ?? 0;
    if (open > 0) {
      o.say(`the restock arrives: ${open} units received at the hub…`);
      await o.operations.restock(id, { receiptId: `demo-receipt-${Date.now()}`, quantity: open });
    }
  }
  state = await waitFor('the incident to close', isOver);
  const report = await o.operations.report(id);
  const summary = state.report;
  const currency = report.report?.currency ?? null;
  o.say(
    `incident ${state.stage}: ${summary ? outcomeLine(summary, state.impact) : 'no report'}` +
      (summary?.revenueProtected != null && summary.revenueAtRisk != null ? `, revenue protected ${money(summary.revenueProtected, currency)} of ${money(summary.revenueAtRisk, currency)} at risk` : ''),
  );
  for (const line of state.report?.recommendations ?? []) o.say(`  recommendation: ${line}`);
  o.say(`where to look:`);
  o.say(`  Temporal Web UI: ${o.uiUrl}/namespaces/default/workflows/${encodeURIComponent(id)}`);
  o.say(`  emails: ${o.sink.messages().length} sent by this run, ${o.sink.keptFiles()} kept in ${o.sink.dir}`);
  o.say(`  report: kept in ${o.storeLocation}; with \`npm start -- --serve\` running, \`npm run stockout -- report ${id}\``);
  const committed = committedReport(report.report);
  if (committed) {
    const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
    o.say(`  per relationship stage, fill rate at commit → at closing: ${committed.byStage.map((row) => `${row.stage} ${pct(row.fillRateAtCommit)} → ${pct(row.fillRate)}`).join(', ')}`);
  }
  await sayWhatNext(o, id);
}

/** A second start after the demo incident ended: what is there, and how to play again. */
async function sayEarlierDemo(o: DemoOptions, id: string): Promise<void> {
  const earlier = await o.operations.show(id);
  o.say(`the demo incident ${id} is ${earlier.stage} from an earlier run${earlier.report ? `: ${outcomeLine(earlier.report, earlier.impact)}` : ''}`);
  o.say(`  emails kept from earlier runs: ${o.sink.keptFiles()} in ${o.sink.dir}`);
  o.say(`  report: \`npm run stockout -- report ${id}\` with \`npm start -- --serve\` running`);
  o.say('  to play the demo again: `npm start -- --fresh` (forgets earlier runs)');
  await sayWhatNext(o, id);
}

/** The other incidents that wait (the scan opens one per short SKU), and the crises that can be staged. */
async function sayWhatNext(o: DemoOptions, demoId: string): Promise<void> {
  const others = (await o.operations.list({ network: DEMO_NETWORK })).filter((i) => i.status === 'RUNNING' && i.workflowId !== demoId);
  if (others.length > 0) {
    o.say(`still running: ${others.map((i) => `${i.workflowId} (${i.stage ?? 'starting'})`).join(', ')}; with \`npm start -- --serve\`, decide them in the console`);
  }
  o.say(`to stage a new crisis: \`npm start -- --scenario NAME\`, NAME one of ${SCENARIO_NAMES.join(', ')} (\`npm start -- --help\` says what each does)`);
}

/**
 * The plan shipped all the substitute stock there was; a delivery of the substitute at the hub lets the next
 * notices offer it (emails offer only what is free when they are written).
 */
async function substituteDelivery(o: DemoOptions, state: IncidentState): Promise<void> {
  const substitute = state.substitutes[0];
  if (!substitute || !state.pooling) return;
  const quantity = Math.max(50, Math.ceil((state.backorders?.openUnits ?? 0) * substitute.ratio));
  await o.inventory.recordReceipt({ idempotencyKey: `demo:${state.incidentId}:substitute-delivery`, sku: substitute.sku, locationId: state.pooling.hubId, quantity });
  o.say(`a delivery of the substitute ${substitute.sku} arrives at the hub: ${quantity} units`);
}

/** A customer clicks "accept a substitute" in its latest email: the link is signed, so it acts on its own line only. */
async function acceptASubstitute(o: DemoOptions): Promise<void> {
  for (const message of [...o.sink.messages()].reverse()) {
    const raw = readFileSync(message.file, 'utf8').replace(/=\r?\n/g, '');
    const tokens = [...raw.matchAll(/https?:\/\/[^\s"'<>]+\/answers\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
    const token = tokens.find(isAcceptSubstitute);
    if (!token) continue;
    const response = await fetch(`${o.apiUrl}/answers/${token}`, { method: 'POST' });
    o.say(`a customer accepted a substitute through its email link: HTTP ${response.status}`);
    return;
  }
  o.say('no substitute offer link in the emails (no backordered customer accepts substitutes, or none is free)');
}

/** Whether an answer link's token offers its line a substitute (read, not verified: the API verifies it). */
export function isAcceptSubstitute(token: string): boolean {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { a?: string };
    return claims.a === 'accept-substitute';
  } catch {
    return false;
  }
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
