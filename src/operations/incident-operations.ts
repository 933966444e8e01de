// What operators can do to incidents, shared by the HTTP API, the `stockout` CLI, the worker and the main job
// so all validate, reach Temporal and report failures the same way. Every input is checked with the shared
// command schemas before Temporal is touched: bad input starts nothing and changes nothing.
import { randomUUID } from 'node:crypto';
import {
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
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
import { DEFAULT_QUIET_HOURS, type AppConfig } from '../config/env';
import {
  CancelSchema,
  CustomerAnswerSchema,
  EtaChangeSchema,
  OrderEventSchema,
  PlanDecisionSchema,
  RestockSchema,
  ResumeSchema,
  TriggerSchema,
  WithdrawSchema,
  type Trigger,
} from '../incident/commands';
import { answerLineIssue, etaChangeIssue, restockIssue } from '../incident/follow-up-checks';
import { cancelIssue, isOver, resumeIssue } from '../incident/lifecycle';
import { hubOf } from '../inventory/contract';
import { SNAPSHOT_KEY, type IncidentSnapshot } from '../../activities/shared';
import type { IncidentStore } from '../incident-store/store';
import { statusOf } from '../http/errors';
import type { InventorySystem } from '../inventory/system';
import { webhookHeldBack, type LatestIncident } from '../incident/reopen';
import { incidentUserMetadata } from '../incident/ui-metadata';
import { incidentWorkflowId, type ApprovalState, type IncidentState, type PlanComparison, type ReportSummary } from '../incident/state';
import type { IncidentReport } from '../report/incident-report';
import { NETWORK, SEVERITY, SKU, STAGE } from '../temporal/search-attributes';
import type { stockoutIncident } from '../../workflows/incident';
import * as incident from '../../workflows/definitions';
import { ListFilterSchema, resolveIncidentId, type ListFilter } from './inputs';
import { OperationError, invalidInput, validate } from './operation-error';
import { createPlanOperations, type PlanOperations } from './plan-operations';
import { updateIdOf } from './update-ids';

// Front ends import these from here, with the operations.
export type { Issue } from '../validation/issues';
import type { Issue } from '../validation/issues';
export { OperationError, validate, type OperationErrorKind } from './operation-error';
export { ListFilterSchema, ManualTriggerSchema, manualTrigger, resolveIncidentId, type ListFilter, type ManualTrigger } from './inputs';
export * from './plan-operations';

/** Looks at the incident before a trigger gives up: each further one follows a run that ended in between. */
const MAX_LOOKS = 5;

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
  /** The incident's latest run was a false alarm within the quiet period, and the event reports no materially lower stock. */
  heldBack?: true;
}

export interface OrderEventResult {
  workflowId: string;
  /** A running incident of the SKU and network was told; false when none runs (nothing was started). */
  signalled: boolean;
}

/** A what-if beside the current plan; its plan is read line by line with `simulation: simulationId`. */
export type Simulation = PlanComparison & { simulationId: string };

export interface IncidentOperations extends PlanOperations {
  trigger(trigger: z.input<typeof TriggerSchema>): Promise<TriggerResult>;
  /** Tells the running incident of the event's SKU and network that orders changed; starts nothing. */
  orderEvent(event: z.input<typeof OrderEventSchema>): Promise<OrderEventResult>;
  list(filter?: ListFilter): Promise<IncidentListItem[]>;
  /**
   * The incident's state, read by a query; `withinMs` bounds the wait for a worker to answer it. The workflow
   * id's latest run unless `runId` names an earlier incident of the SKU (the board links closed ones so).
   */
  show(id: string, options?: { withinMs?: number; runId?: string }): Promise<IncidentState>;
  simulate(id: string, policy: unknown): Promise<Simulation>;
  decide(id: string, decision: z.input<typeof PlanDecisionSchema>): Promise<ApprovalState>;
  restock(id: string, restock: z.input<typeof RestockSchema>): Promise<CommandResult>;
  changeEta(id: string, change: z.input<typeof EtaChangeSchema>): Promise<CommandResult>;
  answer(id: string, answer: z.input<typeof CustomerAnswerSchema>): Promise<CommandResult>;
  cancel(id: string, cancel: z.input<typeof CancelSchema>): Promise<CommandResult>;
  resume(id: string, resume: z.input<typeof ResumeSchema>): Promise<CommandResult>;
  /** Drops the restock, ETA change or answer whose write parked the incident, with a reason for the timeline. */
  withdraw(id: string, withdraw: z.input<typeof WithdrawSchema>): Promise<CommandResult>;
  /** The report of the workflow id's latest run, or of the earlier incident `runId` names. */
  report(id: string, options?: { runId?: string }): Promise<IncidentReportView>;
  /** The newest run of a SKU's incident in a network, running or ended; null when there never was one. */
  latest(network: string, sku: string): Promise<LatestIncident | null>;
}

interface OperationsSystems {
  client: Client;
  /** Where full reports are read; without it `report` returns the summary only. */
  store?: IncidentStore;
  /** Where a trigger's SKU and network are looked up before an incident starts for them; without it, unknown ones are not refused. */
  inventory?: Pick<InventorySystem, 'getItem' | 'listLocations'>;
}

/**
 * How each process (main job, worker, API) builds its operations from configuration: the configured policy and
 * task queue. The policy file is read now, so a bad one stops a start before anything runs; the systems come later.
 */
export function operationsFromConfig(
  config: Pick<AppConfig, 'STOCKOUT_POLICY_FILE' | 'STOCKOUT_TASK_QUEUE' | 'STOCKOUT_SCAN_QUIET_HOURS'>,
): (systems: OperationsSystems) => IncidentOperations {
  const policy = configuredPolicy(config.STOCKOUT_POLICY_FILE);
  return (systems) => createIncidentOperations({ ...systems, policy, taskQueue: config.STOCKOUT_TASK_QUEUE, quietHours: config.STOCKOUT_SCAN_QUIET_HOURS });
}

export function createIncidentOperations(
  options: OperationsSystems & {
    /** Policy new incidents start with. */
    policy: Policy;
    taskQueue?: string;
    /** How long after a false alarm a webhook reporting no materially lower stock is held back (STOCKOUT_SCAN_QUIET_HOURS). */
    quietHours?: number;
  },
): IncidentOperations {
  const { client, policy, store, inventory } = options;
  const quietHours = options.quietHours ?? DEFAULT_QUIET_HOURS;
  const taskQueue = options.taskQueue ?? incident.INCIDENT_TASK_QUEUE;

  const handleOf = (id: string, runId?: string) => client.workflow.getHandle<typeof stockoutIncident>(resolveIncidentId(id), runId);

  /** Runs a Temporal call on an incident (its latest run unless one is named), turning Temporal's errors into ones a person can act on. */
  async function onIncident<T>(id: string, work: (handle: WorkflowHandle<typeof stockoutIncident>) => Promise<T>, runId?: string): Promise<T> {
    const handle = handleOf(id, runId);
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
    ...createPlanOperations({ store, policy, onIncident }),

    async trigger(raw) {
      const trigger = validate(TriggerSchema, raw, 'trigger');
      const workflowId = incidentWorkflowId(trigger.network, trigger.sku);
      // A scan's SKUs come from the inventory system's own list, and its trigger id names the scan, not one
      // event: the same id comes back every quarter hour and must open the SKU's next incident.
      const event = trigger.source !== 'scan';
      if (event) {
        await refuseUnknownNetwork(trigger.network);
        await refuseUnknownSku(trigger.sku);
      }
      return onIncident(workflowId, async (handle) => {
        // The server starts one run per workflow id and refuses every other start while it runs
        // (WorkflowExecutionAlreadyStartedError): the one call whose start it took says `started`, every
        // other signals that run and says attached. A run that ends between a refused start and the signal
        // is looked at again.
        for (let look = 1; ; look++) {
          const latest = await describeLatest(handle);
          const running = latest?.status.name === 'RUNNING';
          if (latest && !running && event) {
            const heard = await triggersOf(handle);
            // A sender retrying an event after the incident it opened has ended must not open another one.
            if (heard.some((t) => t.triggerId === trigger.triggerId)) return { workflowId, started: false, alreadyRecorded: true };
            const ended = { running: false, stage: latest.typedSearchAttributes.get(STAGE) ?? null, closedAt: latest.closeTime?.toISOString() ?? null };
            if (trigger.source === 'webhook' && webhookHeldBack(ended, Date.now(), quietHours, trigger.onHand, heard.map((t) => t.onHand))) {
              return { workflowId, started: false, heldBack: true };
            }
          }
          if (!running) {
            try {
              await client.workflow.start<typeof stockoutIncident>(INCIDENT_WORKFLOW_TYPE, {
                workflowId,
                taskQueue,
                args: [{ trigger, policy }],
                // What the Temporal UI lists it by; the workflow keeps its current details (stage, shortage, attention) itself.
                ...incidentUserMetadata(trigger),
                // The workflow keeps stage and severity current; SKU and network are fixed for its life.
                typedSearchAttributes: [
                  { key: SKU, value: trigger.sku },
                  { key: NETWORK, value: trigger.network },
                ],
              });
              return { workflowId, started: true };
            } catch (error) {
              if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
            }
          }
          try {
            await handle.signal(incident.triggerSignal, trigger);
            return { workflowId, started: false };
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError) || look >= MAX_LOOKS) throw error;
          }
        }
      });
    },

    async orderEvent(raw) {
      const event = validate(OrderEventSchema, raw, 'event');
      const workflowId = incidentWorkflowId(event.network, event.sku);
      return onIncident(workflowId, async (handle) => {
        if ((await describeLatest(handle))?.status.name !== 'RUNNING') return { workflowId, signalled: false };
        try {
          await handle.signal(incident.orderEventSignal, event);
          return { workflowId, signalled: true };
        } catch (error) {
          // It ended between the look and the signal: no incident to tell.
          if (error instanceof WorkflowNotFoundError) return { workflowId, signalled: false };
          throw error;
        }
      });
    },

    async list(filter = {}) {
      const f = validate(ListFilterSchema, filter, 'filter');
      const clauses = [`WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'`];
      if (f.stage) clauses.push(`${STAGE.name} = '${f.stage}'`);
      if (f.severity) clauses.push(`${SEVERITY.name} = '${f.severity}'`);
      if (f.sku) clauses.push(`${SKU.name} = '${f.sku}'`);
      if (f.network) clauses.push(`${NETWORK.name} = '${f.network}'`);
      if (f.status) clauses.push(`ExecutionStatus ${f.status === 'running' ? '=' : '!='} 'Running'`);
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

    show: (id, { withinMs, runId } = {}) =>
      onIncident(
        id,
        (handle) =>
          // A query waits for a worker of the incident's task queue; without a deadline it waits as long as none polls.
          withinMs === undefined ? handle.query(incident.stateQuery) : client.withDeadline(Date.now() + withinMs, () => handle.query(incident.stateQuery)),
        runId,
      ),

    async simulate(id, raw) {
      const simulated = validate(PolicySchema, raw, 'policy');
      // The update's id names the what-if plan it stores.
      const simulationId = randomUUID();
      const comparison = await onIncident(id, (handle) => handle.executeUpdate(incident.simulatePlanUpdate, { args: [simulated], updateId: simulationId }));
      return { ...comparison, simulationId };
    },

    async decide(id, raw) {
      const decision = validate(PlanDecisionSchema, raw, 'decision');
      // A double-submitted decision is the same update: Temporal answers it once.
      const updateId = updateIdOf('decision', decision);
      return onIncident(id, (handle) => handle.executeUpdate(incident.decidePlanUpdate, { args: [decision], updateId }));
    },

    async restock(id, raw) {
      const restock = validate(RestockSchema, raw, 'restock');
      return command(id, async (handle) => {
        if (restock.poId !== undefined || restock.locationId !== undefined) await refuseUnfit(handle, (s) => restockIssue(s, restock));
        return handle.executeUpdate(incident.recordRestockUpdate, { args: [restock], updateId: `restock:${restock.receiptId}` });
      });
    },

    async changeEta(id, raw) {
      const change = validate(EtaChangeSchema, raw, 'eta');
      return command(id, async (handle) => {
        await refuseUnfit(handle, (s) => etaChangeIssue(s, change, Date.now()));
        // Each request its own update: the incident itself tells a repeated date from a move back to it.
        return handle.executeUpdate(incident.changeEtaUpdate, { args: [change], updateId: `eta:${change.poId}:${change.eta}:${randomUUID()}` });
      });
    },

    async answer(id, raw) {
      const answer = validate(CustomerAnswerSchema, raw, 'answer');
      return command(id, async (handle) => {
        // The incident's state does not hold its order lines (tens of thousands): the demand snapshot in the
        // store does. Without the store the activity still refuses such an answer, later, in the timeline.
        if (store) {
          await refuseUnfit(handle, async (s) => {
            // A link of the SKU's earlier incident is refused as such by the incident itself.
            if (answer.incidentId !== undefined && answer.incidentId !== s.incidentId) return null;
            const snapshot = await store.get<IncidentSnapshot>(s.incidentId, SNAPSHOT_KEY);
            return snapshot ? answerLineIssue(snapshot.lines, answer) : null;
          });
        }
        return handle.executeUpdate(incident.customerAnswerUpdate, { args: [answer], updateId: `answer:${answer.answerId}` });
      });
    },

    async cancel(id, raw) {
      const cancel = validate(CancelSchema, raw, 'cancel');
      return command(id, async (handle) => {
        await refuseIgnored(handle, cancelIssue);
        await handle.signal(incident.cancelSignal, cancel);
        return 'cancel requested: open transfers and reservations will be undone and customers told';
      });
    },

    async resume(id, raw) {
      const resume = validate(ResumeSchema, raw, 'resume');
      return command(id, async (handle) => {
        await refuseIgnored(handle, resumeIssue);
        await handle.signal(incident.resumeSignal, resume);
        return 'resume requested: the parked stage runs again';
      });
    },

    async withdraw(id, raw) {
      const withdraw = validate(WithdrawSchema, raw, 'withdraw');
      return command(id, (handle) => handle.executeUpdate(incident.withdrawCommandUpdate, { args: [withdraw] }));
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

    async report(id, { runId } = {}) {
      return onIncident(
        id,
        async (handle) => {
          const description = await handle.describe();
          if (description.status.name === 'RUNNING') {
            const stage = description.typedSearchAttributes.get(STAGE) ?? 'open';
            throw new OperationError('rejected', `incident ${handle.workflowId} is still ${stage}: the report is written when it closes`);
          }
          const summary = await handle.result();
          // The store is keyed by the incident id, which only the incident's own state knows.
          const report = store ? await store.get<IncidentReport>((await handle.query(incident.stateQuery)).incidentId, summary.reportRef) : null;
          return { workflowId: handle.workflowId, summary, report };
        },
        runId,
      );
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

  async function refuseUnknownNetwork(network: string): Promise<void> {
    let locations;
    try {
      locations = await inventory?.listLocations();
    } catch {
      // As with the SKU: an inventory system that cannot be asked must not stop a trigger.
      return;
    }
    if (!locations || hubOf(locations, network)) return;
    const message = `the inventory system has no network ${network}`;
    throw new OperationError('invalid', `trigger.network: ${message}`, [{ path: 'trigger.network', message }], 422);
  }

  /**
   * Refuses a follow-up that does not fit the incident (its POs, locations, lines, dates) before it is sent,
   * naming the field. Only while the incident takes follow-ups: otherwise its update says why it takes none.
   */
  async function refuseUnfit(handle: WorkflowHandle<typeof stockoutIncident>, check: (s: IncidentState) => Issue | null | Promise<Issue | null>): Promise<void> {
    const s = await handle.query(incident.stateQuery);
    if (isOver(s) || !s.commit || s.cancelRequested) return;
    const issue = await check(s);
    if (issue) throw new OperationError('rejected', `${issue.path}: ${issue.message}`, [issue], 422);
  }

  /** A signal cannot refuse: what its handler would ignore is refused here, from the state it reads. */
  async function refuseIgnored(handle: WorkflowHandle<typeof stockoutIncident>, check: (s: IncidentState) => Issue | null): Promise<void> {
    const issue = check(await handle.query(incident.stateQuery));
    if (issue) throw new OperationError('rejected', `${issue.path}: ${issue.message}`, [issue]);
  }

  /** The triggers the run the handle reaches (ended) recorded; its state is read by a query, which replays it. */
  async function triggersOf(handle: WorkflowHandle<typeof stockoutIncident>): Promise<Trigger[]> {
    try {
      return (await handle.query(incident.stateQuery)).triggers;
    } catch (error) {
      // A run whose history no longer replays must not keep its SKU from ever getting another incident.
      if (error instanceof QueryNotRegisteredError) return [];
      throw error;
    }
  }

  async function command(id: string, work: (handle: WorkflowHandle<typeof stockoutIncident>) => Promise<string>): Promise<CommandResult> {
    return onIncident(id, async (handle) => ({ workflowId: handle.workflowId, message: await work(handle) }));
  }
}
