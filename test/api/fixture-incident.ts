// Stands in for the incident workflow under its Temporal name with only its public contract (definitions.ts),
// so the operations layer is tested against a real Temporal server without the incident's activities.
import { condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Restock, Trigger } from '../../src/incident/commands';
import type { IncidentState, ReportSummary } from '../../src/incident/state';
import { STAGE } from '../../src/temporal/search-attributes';
import { cancelSignal, decidePlanUpdate, recordRestockUpdate, stateQuery, triggerSignal } from '../../workflows/definitions';

export async function stockoutIncident(input: { trigger: Trigger }): Promise<ReportSummary> {
  const triggers: Trigger[] = [input.trigger];
  const restocks: Restock[] = [];
  let cancelled = false;
  upsertSearchAttributes([{ key: STAGE, value: 'following-up' }]);
  setHandler(stateQuery, () => ({ incidentId: `${workflowInfo().workflowId}:fixture`, stage: 'following-up', triggers, restockRounds: restocks.length, attention: null, cancelRequested: null }) as unknown as IncidentState);
  setHandler(triggerSignal, (trigger) => {
    if (!triggers.some((t) => t.triggerId === trigger.triggerId)) triggers.push(trigger);
  });
  setHandler(cancelSignal, () => {
    cancelled = true;
  });
  setHandler(
    decidePlanUpdate,
    (_decision) => {
      throw new Error('never accepted');
    },
    {
      validator: (_decision) => {
        throw new Error('decision: no plan is awaiting approval (stage following-up)');
      },
    },
  );
  // No dedup here on purpose: a repeated receipt must be absorbed by the update id the operations derive.
  setHandler(recordRestockUpdate, (restock) => {
    restocks.push(restock);
    return `receipt ${restock.receiptId} accepted`;
  });
  await condition(() => cancelled);
  upsertSearchAttributes([{ key: STAGE, value: 'cancelled' }]);
  return { reportRef: 'report', outcome: 'cancelled', fillRate: 0, revenueProtected: 0, revenueAtRisk: 0, firstNoticeAfterMinutes: null, recommendations: [] };
}
