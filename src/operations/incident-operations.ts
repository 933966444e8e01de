// What operators can do to incidents, shared by the HTTP API and the `stockout` CLI so both validate,
// reach Temporal and report failures the same way. Every input is checked with the shared command
// schemas before Temporal is touched: bad input starts nothing and changes nothing.
import { createHash, randomUUID } from 'node:crypto';
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
import { z } from 'zod';
import { PolicySchema, type Policy } from '../allocation/policy';
import { configuredPolicy } from '../config/policy-file';
import { DEFAULT_QUIET_HOURS, type AppConfig } from '../config/env';
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
import { webhookHeldBack, type LatestIncident } from '../incident/reopen';
import {
  SEVERITY_ORDER,
  incidentWorkflowId,
  type ApprovalState,
  type IncidentStage,
  type IncidentState,
  type PlanComparison,
  type ReportSummary,
} from '../incident/state';
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

/** Looks at the incident before a trigger gives up: each further one follows a run that ended in between. */
const MAX_LOOKS = 5;

/** The workflow function's name, which Temporal uses as its type (by name: the workflow code is not loaded here). */
export const INCIDENT_WORKFLOW_TYPE = 'stockoutIncident';

// ---- errors every front end understands ----

export interface Issue {
  path: string;
  message: string;
}

export type OperationErrorKind = 'invalid' | 'not-found' | 'rejected' | 'unavailable';

const STATUS: Record<OperationErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  rejected: 409,
  unavailable: 503,
};

/** A failure a person can act on: bad input, an unknown incident, a command the incident refused, Temporal unreachable. */
export class OperationError extends Error {
  constructor(
    readonly kind: OperationErrorKind,
    message: string,
    readonly issues: Issue[] = [],
    /** HTTP status; follows from the kind unless a more precise one is known (e.g. 413 for a body too large). */
    readonly status: number = STATUS[kind],
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/** Parses with a shared schema or throws an `invalid` OperationError naming each offending field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((issue) => ({ path: [root, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new OperationError('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

// ---- inputs that exist only at the front ends ----

/** A person starting an incident by hand; the trigger id makes a retried request attach instead of repeating. */
export const ManualTriggerSchema = TriggerSchema.omit({ source: true }).extend({
  triggerId: TriggerSchema.shape.triggerId.optional(),
});
export type ManualTrigger = z.input<typeof ManualTriggerSchema>;

export function manualTrigger(input: ManualTrigger): Trigger {
  const parsed = validate(ManualTriggerSchema, input, 'trigger');
  return { ...parsed, source: 'manual', triggerId: parsed.triggerId ?? `manual:${randomUUID()}` };
}

const INCIDENT_STAGES = [
  'assessing',
  'pooling',
  'finding-substitutes',
  'planning',
  'awaiting-approval',
  'committing',
  'notifying',
  'following-up',
  'closing',
  'needs-attention',
  'closed',
  'false-alarm',
  'cancelled',
] as const satisfies readonly IncidentStage[];
// Fails to compile when a stage is added to IncidentStage but not here.
const _everyStageListed: Exclude<IncidentStage, (typeof INCIDENT_STAGES)[number]> extends never ? true : never = true;

// Values go into a visibility query: quotes and backslashes are refused rather than escaped.
const queryValue = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^'"\\]*$/, 'must not contain quotes or backslashes');

export const ListFilterSchema = z.object({
  stage: z.enum(INCIDENT_STAGES).optional(),
  severity: z.enum(SEVERITY_ORDER).optional(),
  sku: queryValue.optional(),
  network: queryValue.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ListFilter = z.input<typeof ListFilterSchema>;

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

/** Incidents are addressed by workflow id (`stockout:network:sku`) or the `network:sku` shorthand. */
export function resolveIncidentId(id: string): string {
  const value = id.trim();
  // The fixed prefix of every incident workflow id.
  if (value.startsWith(incidentWorkflowId('', '').slice(0, -1))) return value;
  const separator = value.indexOf(':');
  if (separator <= 0 || separator === value.length - 1) {
    throw new OperationError('invalid', 'id: expected an incident workflow id or network:sku', [
      { path: 'id', message: 'expected an incident workflow id or network:sku' },
    ]);
  }
  return incidentWorkflowId(value.slice(0, separator), value.slice(separator + 1));
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
            await handle.signal(triggerSignal, trigger);
            return { workflowId, started: false };
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError) || look >= MAX_LOOKS) throw error;
          }
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
      const message = `the inventory system does not know SKU ${sku}`;
      throw new OperationError('invalid', `trigger.sku: ${message}`, [{ path: 'trigger.sku', message }], 422);
    }
  }

  /** The triggers the run the handle reaches (ended) recorded; its state is read by a query, which replays it. */
  async function triggersOf(handle: WorkflowHandle<typeof stockoutIncident>): Promise<Trigger[]> {
    try {
      return (await handle.query(stateQuery)).triggers;
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

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 32);
}
