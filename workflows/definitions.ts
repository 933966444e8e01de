// The incident's public surface: defined once, imported by the workflow and by every client (API, CLI, tests).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Cancel, CustomerAnswer, EtaChange, OrderEvent, PlanDecision, PlanPreviewRequest, Restock, Resume, Trigger, Withdraw } from '../src/incident/commands';
import type { ApprovalState, IncidentState, PlanComparison, PlanPreview } from '../src/incident/state';

export const INCIDENT_TASK_QUEUE = 'stockout-incidents';

/** A second trigger for the same SKU and network attaches to the running incident. */
export const triggerSignal = defineSignal<[Trigger]>('trigger');
/** Stop the incident: unshipped transfers cancelled, reservations released, customers told. */
export const cancelSignal = defineSignal<[Cancel]>('cancel');
/** A person fixed the data behind a "needs attention" park: retry the stage. */
export const resumeSignal = defineSignal<[Resume]>('resume');

/** Orders of the incident's SKU and network were placed, changed or cancelled: the incident reads the changes at once. */
export const orderEventSignal = defineSignal<[OrderEvent]>('orderEvent');

export const stateQuery = defineQuery<IncidentState>('state');

/** Approve the plan awaiting approval or one of its previews, or reject it. */
export const decidePlanUpdate = defineUpdate<ApprovalState, [PlanDecision]>('decidePlan');
/** Overrides on a plan revision computed and stored as a new revision, which commits nothing until approved. */
export const previewOverridesUpdate = defineUpdate<PlanPreview, [PlanPreviewRequest]>('previewOverrides');
/** What-if: the current plan recomputed under another policy, committing nothing. */
export const simulatePlanUpdate = defineUpdate<PlanComparison, [unknown]>('simulatePlan');
export const recordRestockUpdate = defineUpdate<string, [Restock]>('recordRestock');
export const changeEtaUpdate = defineUpdate<string, [EtaChange]>('changeEta');
export const customerAnswerUpdate = defineUpdate<string, [CustomerAnswer]>('customerAnswer');
/** Drop the restock, ETA change or answer whose write parked the incident (instead of resuming it); the reason goes in the timeline. */
export const withdrawCommandUpdate = defineUpdate<string, [Withdraw]>('withdrawCommand');
