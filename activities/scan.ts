// The threshold scan's activities: read one page of cover positions from the inventory system and keep the
// SKUs below the critical level (the rule lives in src/impact/cover), then open an incident for each or
// attach to the one already running — the incident's workflow id is its SKU and network, so never a twin.
import { beat } from './progress';
import { addDays } from '../src/allocation/dates';
import { TriggerSchema, type Trigger } from '../src/incident/commands';
import { describeIssues, issuesOf } from '../src/validation/issues';
import { scanHeldBack, type LatestIncident } from '../src/incident/reopen';
import { skusAtRisk, type SkuAtRisk } from '../src/impact/cover';
import type { InventorySystem } from '../src/inventory/system';

/** What opens or attaches incidents: signal-with-start on the incident's workflow id (src/api/operations). */
export interface IncidentStarter {
  trigger(trigger: Trigger): Promise<{ workflowId: string; started: boolean }>;
  latest(network: string, sku: string): Promise<LatestIncident | null>;
}

export interface ScanPageInput {
  network: string;
  criticalDays: number;
  /** The scan's date, fixed by the workflow so every page measures cover from the same day. */
  asOf: string;
  cursor?: string;
}

/** SKUs per page: a page's positions stay well inside one activity result and one minute. */
export const SCAN_PAGE_SIZE = 200;

export function createScanActivities(deps: { inventory: InventorySystem; incidents: IncidentStarter }) {
  return {
    async findSkusAtRisk(input: ScanPageInput): Promise<{ atRisk: SkuAtRisk[]; scanned: number; nextCursor: string | null }> {
      // Demand requested after the critical horizon cannot bring cover below it.
      const page = await deps.inventory.listCoverPositions({
        network: input.network,
        requestedUntil: addDays(input.asOf, Math.ceil(input.criticalDays)),
        limit: SCAN_PAGE_SIZE,
        ...(input.cursor ? { cursor: input.cursor } : {}),
      });
      return { atRisk: skusAtRisk(page.positions, input.asOf, input.criticalDays), scanned: page.positions.length, nextCursor: page.nextCursor };
    },

    /**
     * Signal-with-start per trigger: a retry re-sends triggers the incidents already recorded, which they
     * ignore. A SKU whose last incident was just cancelled or found a false alarm is held back (src/incident/reopen).
     */
    async openOrAttachIncidents(input: {
      triggers: Trigger[];
      quietHours: number;
    }): Promise<{ started: string[]; attached: string[]; heldBack: string[]; refused: { sku: string; reason: string }[] }> {
      const started: string[] = [];
      const attached: string[] = [];
      const heldBack: string[] = [];
      // A SKU the inventory system names in a way no incident can take is reported, not retried: one bad
      // record must not stop the scan of every SKU after it.
      const refused: { sku: string; reason: string }[] = [];
      for (const trigger of input.triggers) {
        beat();
        const valid = TriggerSchema.safeParse(trigger);
        if (!valid.success) {
          refused.push({ sku: trigger.sku.slice(0, 200), reason: describeIssues(issuesOf(valid.error, 'trigger')) });
          continue;
        }
        if (scanHeldBack(await deps.incidents.latest(trigger.network, trigger.sku), Date.now(), input.quietHours)) {
          heldBack.push(trigger.sku);
          continue;
        }
        const result = await deps.incidents.trigger(trigger);
        (result.started ? started : attached).push(result.workflowId);
      }
      return { started, attached, heldBack, refused };
    },
  };
}
