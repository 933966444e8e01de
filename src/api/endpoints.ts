// The HTTP API's endpoints as data: operators and inventory systems steer incidents, customers answer through
// signed links, the Temporal Web UI and CLI decode payloads. ./server serves this table and its OpenAPI
// document is generated from it; request schemas that exist only at the HTTP edge live here.
import { z } from 'zod';
import { PolicySchema } from '../allocation/policy';
import { endpoints, type Endpoint } from '../http/endpoint';
import { CancelSchema, CustomerAnswerSchema, EtaChangeSchema, OrderEventSchema, PlanDecisionSchema, PlanPreviewSchema, RestockSchema, ResumeSchema, TriggerSchema, WithdrawSchema } from '../incident/commands';
import { ANSWER_KINDS } from '../incident/answer-kinds';
import {
  ListFilterSchema,
  ManualTriggerSchema,
  OperationError,
  PlanCompareRequestSchema,
  PlanCustomersRequestSchema,
  PlanLinesRequestSchema,
  resolveIncidentId,
} from '../operations/incident-operations';
import { CODEC_BODY_LIMIT, CODEC_PATHS, CodecPayloadsSchema, type CodecDirection } from './codec';
import {
  ApprovalStateSchema,
  CommandResultSchema,
  HealthSchema,
  IncidentListSchema,
  IncidentReportViewSchema,
  IncidentStateSchema,
  OverridePreviewSchema,
  PlanComparisonPageSchema,
  PlanCustomersPageSchema,
  PlanLinesPageSchema,
  SimulationSchema,
  TriggerResultSchema,
  OrderEventResultSchema,
} from './reply-schemas';

// ---- request schemas that exist only at the HTTP edge ----

const IncidentParams = z.object({
  id: z
    .string()
    .max(500)
    .transform((value, ctx) => {
      try {
        return resolveIncidentId(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof OperationError ? (error.issues[0]?.message ?? error.message) : String(error) });
        return z.NEVER;
      }
    })
    .meta({ description: 'Incident workflow id (`stockout:network:sku`) or the `network:sku` shorthand.' }),
});

const TokenParams = z.object({ token: z.string().min(1).max(2000) });

/** An inventory system reports a SKU under its critical level; `eventId` makes its retries idempotent. */
export const CriticalLevelEventSchema = z
  .object({
    sku: TriggerSchema.shape.sku,
    network: TriggerSchema.shape.network,
    onHand: z.number().int(),
    criticalLevel: z.number().int().nonnegative(),
    eventId: TriggerSchema.shape.triggerId,
  })
  // A report that is not under the critical level is a misconfigured sender, not a shortage.
  .refine((event) => event.onHand < event.criticalLevel, { path: ['onHand'], message: 'must be below criticalLevel' });

// Browser forms send strings; an empty field means "not given". Only a can-wait answer has fields, checked
// by the shared answer schema's own rules.
const fromForm = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : typeof v === 'string' ? Number(v) : v), schema);
const canWait = ANSWER_KINDS['can-wait'].fields;
export const AnswerFormSchema = z.object({ onHand: fromForm(canWait.onHand), dailyUsage: fromForm(canWait.dailyUsage) });

// ---- what each endpoint can fail with besides bad input (400, implied) ----

const UNAVAILABLE = { 503: 'Temporal or the incident worker is not reachable.' };
const UNKNOWN_SKU = { 422: 'The inventory system does not know the SKU.' };
const ON_INCIDENT = {
  404: 'No such incident.',
  409: 'The incident refused the command in its current state (e.g. no plan awaiting approval, already closed).',
  ...UNAVAILABLE,
};
const ON_ANSWER_LINK = { 403: 'Expired or invalid link.', 404: ON_INCIDENT[404], 409: ON_INCIDENT[409] };

/** Customer pages carry the link's token in their URL and take a form: no caching, no referrer, nothing framed. */
export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  // The token is in the URL: never send it on as a referrer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/** A read or a command on one incident: the operator's, the incident named in the path, refused as it may be (and as it says). */
const onIncident = <const E extends Omit<Endpoint, 'auth' | 'params'>>(endpoint: E) =>
  ({ ...endpoint, auth: 'bearer', params: IncidentParams, errors: { ...ON_INCIDENT, ...endpoint.errors } }) as const;

export const stockoutApi = endpoints({
  health: { method: 'GET', path: '/health', summary: 'Liveness: the API process is up.', reply: HealthSchema, success: { 200: 'Up.' } },
  openApi: {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document.',
    reply: z.record(z.string(), z.unknown()),
    success: { 200: 'The OpenAPI 3.1 document.' },
  },
  startIncident: {
    method: 'POST',
    path: '/incidents',
    summary: 'Start an incident by hand, or attach the trigger to the incident already running for the SKU and network.',
    auth: 'bearer',
    body: ManualTriggerSchema,
    reply: TriggerResultSchema,
    success: {
      201: 'A new incident started.',
      200: 'Attached to the running incident, or (`alreadyRecorded`) the trigger id was already recorded by the ended one: nothing started.',
    },
    errors: { ...UNKNOWN_SKU, ...UNAVAILABLE },
  },
  listIncidents: {
    method: 'GET',
    path: '/incidents',
    summary: 'List incidents, filtered by stage, severity, SKU or network.',
    auth: 'bearer',
    query: ListFilterSchema,
    reply: IncidentListSchema,
    success: { 200: 'Matching incidents, newest first.' },
    errors: UNAVAILABLE,
  },
  showIncident: onIncident({
    method: 'GET',
    path: '/incidents/:id',
    summary: 'The incident as it stands: stage, severity, impact, plan, approval, backorders, timeline.',
    reply: IncidentStateSchema,
    success: { 200: 'The incident state.' },
  }),
  simulatePolicy: onIncident({
    method: 'POST',
    path: '/incidents/:id/simulate',
    summary: 'What-if: the current plan recomputed under another policy, compared per relationship stage. Commits nothing.',
    body: PolicySchema,
    reply: SimulationSchema,
    success: { 200: 'Current and simulated plan summaries with their difference, and the simulationId that names the what-if plan.' },
  }),
  planLines: onIncident({
    method: 'GET',
    path: '/incidents/:id/plan',
    summary:
      'The plan line by line (current revision, a given one, or a what-if): customer, requested, allocated, substitute, backordered, what the line held before and what the plan changed, priority position, outcome and reasons in words. Filtered, sorted, paged by cursor: every line exactly once across pages.',
    query: PlanLinesRequestSchema,
    reply: PlanLinesPageSchema,
    success: { 200: 'One page of lines.' },
  }),
  planCustomers: onIncident({
    method: 'GET',
    path: '/incidents/:id/plan/customers',
    summary: 'The plan per customer: one row each with its totals and its lines (those matching the filters), in priority order, paged by cursor.',
    query: PlanCustomersRequestSchema,
    reply: PlanCustomersPageSchema,
    success: { 200: 'One page of customers.' },
  }),
  comparePlans: onIncident({
    method: 'GET',
    path: '/incidents/:id/plan/compare',
    summary: 'Two plans line by line (two revisions, or the current plan and a what-if): each line improved, worse or unchanged with the change, and a summary per relationship stage.',
    query: PlanCompareRequestSchema,
    reply: PlanComparisonPageSchema,
    success: { 200: 'One page of compared lines with the summary.' },
  }),
  previewOverrides: onIncident({
    method: 'POST',
    path: '/incidents/:id/plan/preview',
    summary:
      'Preview overrides: checked, then the revised plan computed and stored as a new revision with its impact per stage and per customer. Commits nothing; approve the revision it returns through /decision. Lowering a line needs a reason.',
    body: PlanPreviewSchema,
    reply: OverridePreviewSchema,
    success: { 200: 'The revision made, its summary and its impact beside the revision changed.' },
    errors: { 422: 'An override does not fit the incident (unknown line, more than asked or than the pool holds, lowered without a reason).' },
  }),
  decidePlan: onIncident({
    method: 'POST',
    path: '/incidents/:id/decision',
    summary:
      'Approve the plan awaiting approval or a preview of it (by its revision), or reject it. Overrides here revise and approve in one step only with approveRevisedPlan: true; otherwise preview them first.',
    body: PlanDecisionSchema,
    reply: ApprovalStateSchema,
    success: { 200: 'The approval state after the decision.' },
  }),
  recordRestock: onIncident({
    method: 'POST',
    path: '/incidents/:id/restocks',
    summary: "Record a restock receipt; it is allocated to open backorders by the same engine. A purchase order or location that is not the incident's is refused (422).",
    body: RestockSchema,
    reply: CommandResultSchema,
    success: { 202: 'Receipt accepted (or already recorded).' },
  }),
  changeEta: onIncident({
    method: 'POST',
    path: '/incidents/:id/eta-changes',
    summary: "A purchase order arrives on another date; customers it concerns are told. An ETA before the network's today or more than a year ahead, or a purchase order that is not the incident's, is refused (422).",
    body: EtaChangeSchema,
    reply: CommandResultSchema,
    success: { 202: 'ETA change accepted.' },
  }),
  recordAnswer: onIncident({
    method: 'POST',
    path: '/incidents/:id/answers',
    summary: "Record a customer answer received another way (phone, email reply). A line that is not that customer's in this incident is refused (422).",
    body: CustomerAnswerSchema,
    reply: CommandResultSchema,
    success: { 202: 'Answer accepted.' },
  }),
  cancelIncident: onIncident({
    method: 'POST',
    path: '/incidents/:id/cancel',
    summary: 'Cancel the incident: unshipped transfers cancelled, reservations released, customers told.',
    body: CancelSchema,
    reply: CommandResultSchema,
    success: { 202: 'Cancellation requested.' },
  }),
  resumeIncident: onIncident({
    method: 'POST',
    path: '/incidents/:id/resume',
    summary: 'Retry the stage an incident parked in "needs attention" once the data behind it is fixed.',
    body: ResumeSchema,
    reply: CommandResultSchema,
    success: { 202: 'Resume requested.' },
  }),
  withdrawCommand: onIncident({
    method: 'POST',
    path: '/incidents/:id/withdraw',
    summary: 'Withdraw the restock, ETA change or answer whose write parked the incident in "needs attention", instead of resuming it; the reason goes in the timeline.',
    body: WithdrawSchema,
    reply: CommandResultSchema,
    success: { 202: 'Withdrawn: the follow-up goes on without it.' },
  }),
  incidentReport: onIncident({
    method: 'GET',
    path: '/incidents/:id/report',
    summary: 'The post-incident report of a closed incident.',
    reply: IncidentReportViewSchema,
    success: { 200: 'Report summary and, when stored, the full report.' },
  }),
  criticalLevelWebhook: {
    method: 'POST',
    path: '/webhooks/inventory/critical-level',
    summary: 'An inventory system reports a SKU under its critical level. Retries with the same eventId are idempotent, also after the incident ended.',
    auth: 'bearer',
    body: CriticalLevelEventSchema,
    reply: TriggerResultSchema,
    success: { 202: 'Incident started, trigger attached, or (`alreadyRecorded`) the event was already handled.' },
    errors: { ...UNKNOWN_SKU, ...UNAVAILABLE },
  },
  orderEventWebhook: {
    method: 'POST',
    path: '/webhooks/inventory/order-event',
    summary:
      'An inventory system tells that orders of a SKU in a network were placed, changed or cancelled: its running incident reads the changes at once. Starts nothing.',
    auth: 'bearer',
    body: OrderEventSchema,
    reply: OrderEventResultSchema,
    success: { 202: 'Told the running incident, or (`signalled: false`) no incident runs for the SKU and network.' },
    errors: { ...UNAVAILABLE },
  },
  confirmAnswer: {
    method: 'GET',
    path: '/answers/:token',
    summary: 'Customer answer link: a page confirming what the customer is about to do. Changes nothing.',
    html: true,
    headers: PAGE_HEADERS,
    params: TokenParams,
    reply: z.string(),
    success: { 200: 'Confirmation page with a button.' },
    errors: ON_ANSWER_LINK,
  },
  submitAnswer: {
    method: 'POST',
    path: '/answers/:token',
    summary: 'Customer answer link: record the answer. A second click records nothing new.',
    html: true,
    headers: PAGE_HEADERS,
    params: TokenParams,
    body: AnswerFormSchema,
    bodyType: 'form',
    reply: z.string(),
    success: { 200: 'Answer recorded.' },
    errors: ON_ANSWER_LINK,
  },
});

// Decoding hands out the customer data that payload encryption keeps from the Temporal server, so the codec
// takes the operator token like every operator route. The `temporal` CLI sends it (`--codec-auth "Bearer …"`);
// a Web UI sends a bearer token only with its "Pass access token" option — the token of its own login, and
// only to an https endpoint — so a UI reaches the codec through something that adds this header, except the
// embedded dev server's UI on loopback (ApiOptions.codec.trustLoopbackUi).
const codecEndpoint = (direction: CodecDirection) =>
  ({
    method: 'POST',
    path: CODEC_PATHS[direction],
    summary: `Temporal remote codec: ${direction} payloads (${direction === 'decode' ? 'decrypt' : 'encrypt'}) for the Temporal Web UI and CLI. Served only when payload keys are configured.`,
    auth: 'bearer',
    cors: true,
    bodyLimit: CODEC_BODY_LIMIT,
    body: CodecPayloadsSchema,
    reply: CodecPayloadsSchema,
    success: { 200: `The payloads ${direction}d, same shape.` },
  }) as const;

/** Served only when the API holds payload codecs. */
export const codecApi = endpoints({ encodePayloads: codecEndpoint('encode'), decodePayloads: codecEndpoint('decode') });
