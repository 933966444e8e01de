// Crises a newcomer can stage on the main job's showcase data set (`npm start -- --scenario NAME`): each
// changes the reference inventory system the way the real world would — a supplier confirms a later date, a
// customer places a big order — or not at all (a miscounted stock report), then the inventory system's
// webhook reports the SKU under its critical level. The incident runs from there like any other; the main
// job then serves, so the newcomer approves and follows it in the console or the CLI.
import { addDays } from '../allocation/dates';
import { isOver } from '../incident/vocabulary';
import type { InventorySystem, OrderEntry } from '../inventory/system';
import type { IncidentOperations, TriggerResult } from '../operations/incident-operations';
import { outcomeLine } from '../report/outcome-line';
import { incidentWaiter, operatorApi, sayImpact } from './operator';

export interface ScenarioSystems {
  inventory: InventorySystem;
  /** Where a customer's order reaches the order system. */
  orders: OrderEntry;
  network: string;
  /** The network's today (the dates a staged order or ETA are counted from). */
  today: string;
  /** Tells the scenario's changes apart from an earlier run's: idempotency keys and ids carry it. */
  runId: string;
}

/** What the inventory system's critical-level webhook reports once the scenario has changed its data. */
export interface StagedCrisis {
  sku: string;
  /** What changed, in a sentence or two. */
  story: string[];
  onHand: number;
  criticalLevel: number;
}

interface Scenario {
  summary: string;
  stage(systems: ScenarioSystems): Promise<StagedCrisis>;
}

/** Free stock of a SKU across the network (on hand less confirmed and safety stock), and its open demand. */
async function position(systems: ScenarioSystems, sku: string) {
  const locations = new Set((await systems.inventory.listLocations()).filter((l) => l.network === systems.network).map((l) => l.locationId));
  const free = (await systems.inventory.getStockPositions(sku))
    .filter((s) => locations.has(s.locationId))
    .reduce((sum, s) => sum + Math.max(0, s.onHand - s.reserved - s.safetyStock), 0);
  const lines = [];
  for (let cursor: string | undefined; ; ) {
    const page = await systems.inventory.listDemandLines({ sku, limit: 500, ...(cursor ? { cursor } : {}) });
    lines.push(...page.lines.filter((l) => locations.has(l.locationId)));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  // A line's quantity is what is still to ship; what is reserved for it is served already.
  const open = lines.reduce((sum, l) => sum + l.quantity - l.reservedQuantity, 0);
  return { free, open, lines };
}

export const SCENARIOS = {
  'supplier-delay': {
    summary: 'the supplier of SKU-DEMO-2 (ball bearings 6205-2RS) confirms its next delivery four weeks late',
    async stage(systems) {
      const sku = 'SKU-DEMO-2';
      const [po] = (await systems.inventory.listInbound(sku)).filter((p) => p.status === 'open').sort((a, b) => a.eta.localeCompare(b.eta));
      if (!po) throw new Error(`the inventory system has no open purchase order of ${sku} to delay`);
      const eta = addDays(po.eta > systems.today ? po.eta : systems.today, 28);
      await systems.inventory.updateInboundEta({ idempotencyKey: `scenario:${systems.runId}:supplier-delay`, poId: po.poId, eta });
      const { free, open } = await position(systems, sku);
      return {
        sku,
        story: [`the supplier moves ${po.poId} (${po.quantity} units of ${sku}) from ${po.eta} to ${eta}`, `the network holds ${free} units free for ${open} units of open demand`],
        onHand: free,
        criticalLevel: open,
      };
    },
  },
  'demand-spike': {
    summary: "SKU-0007 (safety goggles) is well stocked until its largest customer orders what the network holds free, due in five days",
    async stage(systems) {
      const sku = 'SKU-0007';
      const { free, open, lines } = await position(systems, sku);
      const largest = [...lines].sort((a, b) => b.quantity - a.quantity || a.lineId.localeCompare(b.lineId))[0];
      if (!largest) throw new Error(`${sku} has no customer to order it`);
      const quantity = Math.ceil(Math.max(1, free) / largest.packSize) * largest.packSize;
      const orderId = `SO-SPIKE-${systems.runId}`;
      await systems.orders.createDemandLine({
        idempotencyKey: `scenario:${systems.runId}:demand-spike`,
        orderId,
        customerId: largest.customerId,
        sku,
        locationId: largest.locationId,
        quantity,
        requestedDate: addDays(systems.today, 5),
        unitPrice: largest.unitPrice,
        unitMargin: largest.unitMargin,
        packSize: largest.packSize,
      });
      return {
        sku,
        story: [`${largest.customerId} orders ${quantity} units of ${sku} (${orderId}), due ${addDays(systems.today, 5)}`, `the network held ${free} units free for ${open} units of open demand before it`],
        onHand: free,
        criticalLevel: open + quantity,
      };
    },
  },
  'false-alarm': {
    summary: 'a miscounted cycle count reports SKU-0010 (hex bolts M10x50) nearly gone; the stock is there',
    async stage(systems) {
      const sku = 'SKU-0010';
      const { free, open } = await position(systems, sku);
      const reported = Math.floor(free / 20);
      return {
        sku,
        story: [`the cycle count at the hub reports ${reported} units of ${sku}; the books say ${free} free for ${open} units of open demand`],
        onHand: reported,
        criticalLevel: Math.max(reported + 1, open),
      };
    },
  },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}

export interface ScenarioRun {
  name: ScenarioName;
  systems: ScenarioSystems;
  apiUrl: string;
  apiToken: string;
  operations: IncidentOperations;
  consoleUrl: string;
  say: (line: string) => void;
}

/**
 * Stages the scenario, sends the inventory system's webhook through the API, follows the incident to its plan
 * (or its end, for a false alarm) and says what the newcomer can do next.
 */
export async function runScenario(o: ScenarioRun): Promise<void> {
  const scenario: Scenario = SCENARIOS[o.name];
  o.say(`scenario ${o.name}: ${scenario.summary}`);
  const crisis = await scenario.stage(o.systems);
  for (const line of crisis.story) o.say(`  ${line}`);
  o.say(`the inventory system reports ${crisis.sku} under its critical level (webhook)…`);
  const result = (await operatorApi(o.apiUrl, o.apiToken)('POST', '/webhooks/inventory/critical-level', {
    sku: crisis.sku,
    network: o.systems.network,
    onHand: crisis.onHand,
    criticalLevel: crisis.criticalLevel,
    eventId: `scenario-${o.name}-${o.systems.runId}`,
  })) as TriggerResult;
  o.say(triggerOutcome(result));
  const id = result.workflowId;
  if (result.heldBack || result.alreadyRecorded) return;
  const waitFor = incidentWaiter(o.operations, id, o.say);
  const state = await waitFor('a plan', (s) => isOver(s.stage) || s.stage === 'awaiting-approval' || s.stage === 'following-up');
  // A false alarm's report says how far the stock covers the demand; a shortage's figures are the assessment's.
  if (isOver(state.stage)) {
    if (state.report) o.say(`incident ${state.stage}: ${outcomeLine(state.report, state.impact)}`);
    o.say(`its report: \`npm run stockout -- report ${id}\` in another terminal, or the console (${o.consoleUrl})`);
    return;
  }
  sayImpact(o.say, state);
  const next = state.stage === 'awaiting-approval' ? `\`npm run stockout -- show ${id}\`, then \`approve\`` : `\`npm run stockout -- show ${id}\``;
  o.say(`follow it: the console (${o.consoleUrl}), or ${next} in another terminal`);
}

/** What the newcomer is told about the trigger's answer. */
export function triggerOutcome(result: TriggerResult): string {
  if (result.started) return `incident ${result.workflowId} opened`;
  if (result.heldBack) return `held back: incident ${result.workflowId} was a false alarm within the quiet period (STOCKOUT_SCAN_QUIET_HOURS), and the report is not materially lower`;
  if (result.alreadyRecorded) return `incident ${result.workflowId} already handled this report`;
  return `incident ${result.workflowId} was already running: the report joined it`;
}
