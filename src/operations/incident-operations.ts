// What operators can do to incidents, shared by the HTTP API, the `stockout` CLI, the worker and the main job
// so all validate, reach Temporal and report failures the same way. Every input is checked with the shared
// command schemas before Temporal is touched: bad input starts nothing and changes nothing.
import { createHash, randomUUID } from 'node:crypto';
import {
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { z } from 'zod';
import { PolicySchema, type Policy } from '../allocation/policy';
import { configuredPolicy } from '../config/policy-file';
import type { AppConfig } from '../config/env';
import {
  CancelSchema,
  CustomerAnswerSchema,
  EtaChangeSchema,
  PlanDecisionSchema,
  RestockSchema,
  ResumeSchema,
  TriggerSchema,
  type Trigger,
} from '../incident/commands';
import type { IncidentStore } from '../incident-store/store';
import { statusOf } from '../http/errors';
import type { InventorySystem } from '../inventory/system';
import type { LatestIncident } from '../incident/reopen';
import { incidentUserMetadata } from '../incident/ui-metadata';
import { incidentWorkflowId, type ApprovalState, type IncidentState, type PlanComparison, type ReportSummary } from '../incident/state';
import type { IncidentReport } from '../report/incident-report';
import { NETWORK, SEVERITY, SKU, STAGE } from '../temporal/search-attributes';
import type { stockoutIncident } from '../../workflows/incident';
import {
  INCIDENT_TASK_QUEUE,
  cancelSignal,
  changeEtaUpdate,
  customerAnswerUpdate,
  decidePlanUpdate,
  recordRestockUpdate,
  resumeSignal,
  simulatePlanUpdate,
  stateQuery,
  triggerSignal,
} from '../../workflows/definitions';
import { ListFilterSchema, resolveIncidentId, type ListFilter } from './inputs';
import { OperationError, invalidInput, validate } from './operation-error';

// Front ends import these from here, with the operations.
export type { Issue } from '../validation/issues';
export { OperationError, validate, type OperationErrorKind } from './operation-error';
export { ListFilterSchema, ManualTriggerSchema, manualTrigger, resolveIncidentId, type ListFilter, type ManualTrigger } from './inputs';

/** The workflow function's name, which Temporal uses as its type (by name: the workflow code is not loaded here). */
export const INCIDENT_WORKFLOW_TYPE = 'stockoutIncident';

export interface IncidentListItem {
  workflowId: string;
  runId: string;
  status: string;
  sku: string | null;
  network: string | null;
  stage: string | null;
  severity: string | null;
  startedAt: string;
  closedAt: string | null;
}

export interface IncidentReportView {
  workflowId: string;
  summary: ReportSummary;
  /** The full post-incident report from the incident store, when the store is available. */
  report: IncidentReport | null;
}

// ---- the operations ----

export interface CommandResult {
  workflowId: string;
  message: string;
}

export interface TriggerResult {
  workflowId: string;
  started: boolean;
  /** The incident's latest run, now ended, already recorded this trigger: nothing was started or signalled. */
  alreadyRecorded?: true;
}

export interface IncidentOperations {
  trigger(trigger: z.input<typeof TriggerSchema>): Promise<TriggerResult>;
  list(filter?: ListFilter): Promise<IncidentListItem[]>;
  show(id: string): Promise<IncidentState>;
  simulate(id: string, policy: unknown): Promise<PlanComparison>;
  decide(id: string, decision: z.input<typeof PlanDecisionSchema>): Promise<ApprovalState>;
  restock(id: string, restock: z.input<typeof RestockSchema>): Promise<CommandResult>;
  changeEta(id: string, change: z.input<typeof EtaChangeSchema>): Promise<CommandResult>;
  answer(id: string, answer: z.input<typeof CustomerAnswerSchema>): Promise<CommandResult>;
  cancel(id: string, cancel: z.input<typeof CancelSchema>): Promise<CommandResult>;
  resume(id: string, resume: z.input<typeof ResumeSchema>): Promise<CommandResult>;
  report(id: string): Promise<IncidentReportView>;
  /** The newest run of a SKU's incident in a network, running or ended; null when there never was one. */
  latest(network: string, sku: string): Promise<LatestIncident | null>;
}

interface OperationsSystems {
  client: Client;
  /** Where full reports are read; without it `report` returns the summary only. */
  store?: IncidentStore;
  /** Where a trigger's SKU is looked up before an incident starts for it; without it, unknown SKUs are not refused. */
  inventory?: Pick<InventorySystem, 'getItem'>;
}

/**
 * How each process (main job, worker, API) builds its operations from configuration: the configured policy and
 * task queue. The policy file is read now, so a bad one stops a start before anything runs; the systems come later.
 */
export function operationsFromConfig(config: Pick<AppConfig, 'STOCKOUT_POLICY_FILE' | 'STOCKOUT_TASK_QUEUE'>): (systems: OperationsSystems) => IncidentOperations {
  const policy = configuredPolicy(config.STOCKOUT_POLICY_FILE);
  return (systems) => createIncidentOperations({ ...systems, policy, taskQueue: config.STOCKOUT_TASK_QUEUE });
}

export function createIncidentOperations(
  options: OperationsSystems & {
    /** Policy new incidents start with. */
    policy: Policy;
    taskQueue?: string;
  },
): IncidentOperations {
  const { client, policy, store, inventory } = options;
  const taskQueue = options.taskQueue ?? INCIDENT_TASK_QUEUE;

  const handleOf = (id: string) => client.workflow.getHandle<typeof stockoutIncident>(resolveIncidentId(id));

  /** Runs a Temporal call on an incident, turning Temporal's errors into ones a person can act on. */
  async function onIncident<T>(id: string, work: (handle: WorkflowHandle<typeof stockoutIncident>) => Promise<T>): Promise<T> {
    const handle = handleOf(id);
    try {
      return await work(handle);
    } catch (error) {
      throw await explain(handle, error);
    }
  }

  async function explain(handle: WorkflowHandle, error: unknown): Promise<unknown> {
    if (error instanceof OperationError) return error;
    if (error instanceof WorkflowNotFoundError) {
      // Signals and updates to a closed incident also fail as "not found": say which it is.
      try {
        const closed = await handle.describe();
        return new OperationError('rejected', `incident ${handle.workflowId} is ${closed.status.name.toLowerCase()}: it takes no more commands`);
      } catch {
        return new OperationError('not-found', `no incident ${handle.workflowId}`);
      }
    }
    if (error instanceof WorkflowUpdateFailedError) {
      // The update validator's message names the field or the state that refused it.
      return new OperationError('rejected', error.cause?.message ?? error.message);
    }
    if (error instanceof WorkflowFailedError) {
      return new OperationError('rejected', `incident ${handle.workflowId} ended without a report: ${error.cause?.message ?? error.message}`);
    }
    if (error instanceof QueryNotRegisteredError || error instanceof QueryRejectedError) {
      return new OperationError('unavailable', `incident ${handle.workflowId} cannot be read yet; try again shortly`);
    }
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      return new OperationError('unavailable', `incident ${handle.workflowId} did not answer in time; is a worker running?`);
    }
    if (error instanceof ServiceError) return new OperationError('unavailable', `Temporal: ${error.message}`);
    return error;
  }

  async function describeLatest(handle: WorkflowHandle) {
    try {
      return await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  return {
    async trigger(raw) {
      const trigger = validate(TriggerSchema, raw, 'trigger');
      const workflowId = incidentWorkflowId(trigger.network, trigger.sku);
      // A scan's SKUs come from the inventory system's own list, and its trigger id names the scan, not one
      // event: the same id comes back every quarter hour and must open the SKU's next incident.
      const event = trigger.source !== 'scan';
      if (event) await refuseUnknownSku(trigger.sku);
      return onIncident(workflowId, async (handle) => {
        // signalWithStart never starts a twin. Whether this call started the incident is told by the run it
        // signalled; two triggers racing for a new incident may both report `started`, the incident stays one.
        const latest = await describeLatest(handle);
        const before = latest?.status.name === 'RUNNING' ? latest.runId : null;
        // A sender retrying an event after the incident it opened has ended must not open another one.
        if (latest && !before && event && (await recordedBy(handle, trigger.triggerId))) {
          return { workflowId, started: false, alreadyRecorded: true };
        }
        const signalled = await client.workflow.signalWithStart<typeof stockoutIncident, [Trigger]>(INCIDENT_WORKFLOW_TYPE, {
          workflowId,
          taskQueue,
          args: [{ trigger, policy }],
          signal: triggerSignal,
          signalArgs: [trigger],
          // What the Temporal UI lists it by; the workflow keeps its current details (stage, shortage, attention) itself.
          ...incidentUserMetadata(trigger),
          // The workflow keeps stage and severity current; SKU and network are fixed for its life.
          typedSearchAttributes: [
            { key: SKU, value: trigger.sku },
            { key: NETWORK, value: trigger.network },
          ],
        });
        return { workflowId, started: signalled.signaledRunId !== before };
      });
    },

    async list(filter = {}) {
      const f = validate(ListFilterSchema, filter, 'filter');
      const clauses = [`WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'`];
      if (f.stage) clauses.push(`${STAGE.name} = '${f.stage}'`);
      if (f.severity) clauses.push(`${SEVERITY.name} = '${f.severity}'`);
      if (f.sku) clauses.push(`${SKU.name} = '${f.sku}'`);
      if (f.network) clauses.push(`${NETWORK.name} = '${f.network}'`);
      const items: IncidentListItem[] = [];
      try {
        for await (const execution of client.workflow.list({ query: clauses.join(' AND '), pageSize: Math.min(f.limit, 100) })) {
          const attributes = execution.typedSearchAttributes;
          items.push({
            workflowId: execution.workflowId,
            runId: execution.runId,
            status: execution.status.name,
            sku: attributes.get(SKU) ?? null,
            network: attributes.get(NETWORK) ?? null,
            stage: attributes.get(STAGE) ?? null,
            severity: attributes.get(SEVERITY) ?? null,
            startedAt: execution.startTime.toISOString(),
            closedAt: execution.closeTime?.toISOString() ?? null,
          });
          if (items.length >= f.limit) break;
        }
      } catch (error) {
        if (error instanceof ServiceError) throw new OperationError('unavailable', `Temporal: ${error.message}`);
        throw error;
      }
      return items;
    },

    show: (id) => onIncident(id, (handle) => handle.query(stateQuery)),

    async simulate(id, raw) {
      const simulated = validate(PolicySchema, raw, 'policy');
      return onIncident(id, (handle) => handle.executeUpdate(simulatePlanUpdate, { args: [simulated] }));
    },

    async decide(id, raw) {
      const decision = validate(PlanDecisionSchema, raw, 'decision');
      // A double-submitted decision is the same update: Temporal answers it once.
      const updateId = `decision:${digest(decision)}`;
      return onIncident(id, (handle) => handle.executeUpdate(decidePlanUpdate, { args: [decision], updateId }));
    },

    async restock(id, raw) {
      const restock = validate(RestockSchema, raw, 'restock');
      return command(id, (handle) =>
        handle.executeUpdate(recordRestockUpdate, { args: [restock], updateId: `restock:${restock.receiptId}` }),
      );
    },

    async changeEta(id, raw) {
      const change = validate(EtaChangeSchema, raw, 'eta');
      return command(id, (handle) =>
        // Each request its own update: the incident itself tells a repeated date from a move back to it.
        handle.executeUpdate(changeEtaUpdate, { args: [change], updateId: `eta:${change.poId}:${change.eta}:${randomUUID()}` }),
      );
    },

    async answer(id, raw) {
      const answer = validate(CustomerAnswerSchema, raw, 'answer');
      return command(id, (handle) =>
        handle.executeUpdate(customerAnswerUpdate, { args: [answer], updateId: `answer:${answer.answerId}` }),
      );
    },

    async cancel(id, raw) {
      const cancel = validate(CancelSchema, raw, 'cancel');
      return command(id, async (handle) => {
        await handle.signal(cancelSignal, cancel);
        return 'cancel requested: open transfers and reservations will be undone and customers told';
      });
    },

    async resume(id, raw) {
      const resume = validate(ResumeSchema, raw, 'resume');
      return command(id, async (handle) => {
        await handle.signal(resumeSignal, resume);
        return 'resume requested: the parked stage runs again';
      });
    },

    async latest(network, sku) {
      const description = await onIncident(incidentWorkflowId(network, sku), describeLatest);
      if (!description) return null;
      return {
        running: description.status.name === 'RUNNING',
        stage: description.typedSearchAttributes.get(STAGE) ?? null,
        closedAt: description.closeTime?.toISOString() ?? null,
      };
    },

    async report(id) {
      return onIncident(id, async (handle) => {
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') {
          const stage = description.typedSearchAttributes.get(STAGE) ?? 'open';
          throw new OperationError('rejected', `incident ${handle.workflowId} is still ${stage}: the report is written when it closes`);
        }
        const summary = await handle.result();
        // The store is keyed by the incident id, which only the incident's own state knows.
        const report = store ? store.get<IncidentReport>((await handle.query(stateQuery)).incidentId, summary.reportRef) : null;
        return { workflowId: handle.workflowId, summary, report };
      });
    },
  };

  async function refuseUnknownSku(sku: string): Promise<void> {
    try {
      await inventory?.getItem(sku);
    } catch (error) {
      // Only a definite "no such item" refuses: an inventory system that is down must not stop a trigger.
      if (statusOf(error) !== 404) return;
      throw invalidInput([{ path: 'trigger.sku', message: `the inventory system does not know SKU ${sku}` }], 422);
    }
  }

  /** Whether the run the handle reaches (ended) recorded the trigger; its state is read by a query, which replays it. */
  async function recordedBy(handle: WorkflowHandle<typeof stockoutIncident>, triggerId: string): Promise<boolean> {
    try {
      return (await handle.query(stateQuery)).triggers.some((t) => t.triggerId === triggerId);
    } catch (error) {
      // A run whose history no longer replays must not keep its SKU from ever getting another incident.
      if (error instanceof QueryNotRegisteredError) return false;
      throw error;
    }
  }

  async function command(id: string, work: (handle: WorkflowHandle<typeof stockoutIncident>) => Promise<string>): Promise<CommandResult> {
    return onIncident(id, async (handle) => ({ workflowId: handle.workflowId, message: await work(handle) }));
  }
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 32);
}
