// The allocation policy: data a company configures, not code. Every field has a documented default, so
// `parsePolicy({})` is the default policy and a policy file need only name what it changes. Imported by
// workflow code: pure, no I/O.
import { z } from 'zod';
import { GRADED_SEVERITIES, SEVERITY_LEVELS } from '../incident/vocabulary';
import { describeIssues, issuesOf, type Issue } from '../validation/issues';

export const STRATEGIES = ['win', 'gain', 'redistribute', 'fill', 'lose'] as const;
export type Strategy = (typeof STRATEGIES)[number];

// The severities a shortage can have live with the incident's other vocabularies; their names stay importable here.
export { SEVERITY_LEVELS, type SeverityLevel } from '../incident/vocabulary';

const percent = () => z.number().min(0, 'must be ≥ 0').max(100, 'must be ≤ 100');
const positiveInt = () => z.number().int('must be a whole number').min(1, 'must be ≥ 1');
const count = () => z.number().int('must be a whole number').min(0, 'must be ≥ 0');

const StageSchema = z.strictObject({
  /** The relationship's name, as the CRM records it on each customer. */
  name: z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters'),
  /** Higher is served first; stages may share a class. */
  priorityClass: count().max(1000, 'must be ≤ 1000'),
  /** The account manager calls the customer before the email goes out. */
  personalHeadsUp: z.boolean().default(false),
  /** What a customer of this stage is offered for units left backordered. */
  compensation: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('none') }),
      /** A credit of this percent of the backordered value. */
      z.strictObject({ kind: z.literal('credit-percent'), percent: percent() }),
    ])
    .default({ kind: 'none' }),
});

const ConfirmationRuleSchema = z.strictObject({
  /** Both given: both must hold. Neither: matches every line. */
  match: z.strictObject({ stage: z.string().optional(), critical: z.boolean().optional() }),
  strategy: z.enum(STRATEGIES),
});

/** A severity level is reached when ANY of its criteria is met; leave a criterion out to not use it. */
const SeverityLevelSchema = z.strictObject({
  /** Shortage as a percent of open demand. */
  shortageSharePercent: percent().optional(),
  /** Days until the next inbound purchase order; no inbound at all meets every gap criterion. */
  gapDays: count().optional(),
  /** Critical (life-safety) customers among those affected. */
  criticalCustomers: positiveInt().optional(),
});

const DEFAULT_STAGES: z.input<typeof StageSchema>[] = [
  { name: 'exploratory', priorityClass: 1 },
  { name: 'basic', priorityClass: 2 },
  { name: 'cooperative', priorityClass: 3, compensation: { kind: 'credit-percent', percent: 2 } },
  { name: 'interdependent', priorityClass: 4, personalHeadsUp: true, compensation: { kind: 'credit-percent', percent: 5 } },
  { name: 'integrated', priorityClass: 5, personalHeadsUp: true, compensation: { kind: 'credit-percent', percent: 5 } },
];

export const PolicySchema = z
  .strictObject({
    /** Shown on plans and what-if comparisons. */
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').default('default'),
    /** The company's 4–8 standard relationships (seeds 001, 003). */
    stages: z.array(StageSchema).min(4, 'must list 4 to 8 stages').max(8, 'must list 4 to 8 stages').prefault(DEFAULT_STAGES),
    /**
     * The generation of the sharing rules a plan follows. 5 (the default) is 4 with the critical class before
     * other customers' kept confirmations, each class lifted to one fill rate, a critical customer's first
     * pack past the cap, and the cap lifted for the critical class only after the others' floors (rules 8 to 11); 4 is 3
     * with the critical class first also when the supply cannot hold everyone's first pack (rule 7); 3 is 2 with the critical class put
     * first (rule 6 below); 2 keeps the five promises below; 1 is the rules before them. Each is kept so an
     * incident keeps the rules its first plan followed: the incident carries its policy, and a restock round
     * or re-plan uses it (`withFirstSharingRules` for version 1). A policy object without the field — one
     * parsed before it existed — is 1.
     *
     * Rules of version 2, each with the reason code that marks the lines it decides:
     * 1. The floor is the customer's (`customer-floor`): before any other sharing, every customer that holds
     *    nothing yet gets one pack of its most urgent line that fits, whenever the supply holds everyone's
     *    first pack (a pack, or the whole of an all-or-nothing line, within the cap). When it cannot, the
     *    most customers possible get theirs: smallest first pack first, ties by priority. Example: floor
     *    30 %, packs of 12, a customer asking 20 (floor 6, less than a pack) gets 12, not 0.
     * 2. Critical customers come first but share by the same rules among themselves: floors and cap
     *    within the critical class, the cap lifted only when no other critical customer can use the rest
     *    (`critical-priority`, `concentration-cap`). `criticalBeforeFloors` says whether critical needs
     *    beyond their floors come before the other customers' floors. Example: pool 50, two hospitals
     *    asking 50 and 20, cap 40 %: 30 and 20, not 50 and 0.
     * 3. A customer that reports stock can wait (`deferred-holds-stock`) when it lasts until the next
     *    inbound delivery plus `rationing.etaMarginDays` (no ETA known: `rationing.minDaysOfSupply`).
     *    It is deferred, not dropped: served, fewest days of supply first, under the cap before the cap
     *    is lifted for anyone. Example: ETA in 10 days, margin 3: 300 units used 10 a day (30 days) can
     *    wait; 120 units (12 days) cannot and shares like everyone else.
     * 4. Urgency is relative to the gap (`urgent-before-eta`): a line due before the next inbound ETA comes
     *    before one due after it, earliest first; after it, margin decides (no ETA known:
     *    `urgencyWindowDays`). Example: ETA in 30 days: a line due in 8 days before one due in 40.
     * 5. Substitutes are work-conserving (`substitute-top-up`): units the cap splits into amounts that cover
     *    no whole original unit go, by priority, to the lines that accept them and are still short.
     *    Example: 2 units of a ratio-2 substitute, two lines each short 1: the first line gets both.
     * Rule of version 3:
     * 6. The critical class comes before every other customer's first pack, and before them for substitutes
     *    too (`critical-priority`). What rule 1 promises the others is kept by holding back only each one's
     *    smallest first pack, and only when the supply holds everyone's; version 2 hands out every first pack,
     *    each customer's most urgent, before the critical class shares. Example: pool 30, a hospital asking
     *    40, a customer whose most urgent line is 10 all-or-nothing and whose other line takes packs of 1:
     *    version 2 gives the customer 10 and the hospital 20; version 3 the customer 1 and the hospital 29.
     *    Substitutes: 10 units, a hospital and a customer each short 10: version 3 gives the hospital 10
     *    (version 2: 6 and 4, the cap shared across classes). Critical fill is then that of strict priority
     *    but for two promises kept: other segments' confirmations (`gain`) and the other customers' first packs.
     * Rule of version 4:
     * 7. When the supply cannot hold everyone's first pack, the critical class still comes first
     *    (`critical-priority`, `customer-floor`): its first packs, then its share, then the other customers'
     *    first packs from what it leaves, smallest first; version 3 handed every first pack out smallest
     *    first, critical or not, and a hospital could go short by a pack that did not fit everyone's anyway.
     *    Example: pool 5, a hospital's all-or-nothing line of 5, another customer asking 1: version 3 gives
     *    the customer 1 and the hospital nothing; version 4 the hospital 5 and the customer nothing.
     * Rules of version 5:
     * 8. The critical class comes before what the other customers keep of their confirmations from before the
     *    incident (`gain`, or `win` for a customer that is not critical), beyond a unit each (`critical-priority`
     *    on its lines, `confirmation-released` on theirs): when what the pool leaves it, the others' first packs aside, cannot cover the
     *    critical class's share, the units it needs are taken back in whole packs of lines that may ship partly,
     *    lowest priority first. Each keeps at least a unit, so none is left with nothing; version 4 took none
     *    back. Example: pool 20, a hospital asking 50, an integrated customer keeping 40 confirmed on its line
     *    of 40 (packs of 1): version 4 gives the hospital 20 and leaves the customer its 40; version 5 gives
     *    the hospital 50 and the customer keeps 10.
     * 9. Under the cap, each priority class (critical, then each stage class) is first lifted to one fill
     *    rate, the highest the supply holds, on its lines due before the urgency horizon and then on all its
     *    lines (`critical-priority`, `stage-priority`); what whole packs leave goes to the class by priority
     *    before the next class. Version 4 served the class's lines one after another in priority order.
     *    Urgency and margin still order a customer's own lines; what the cap leaves still goes by priority;
     *    an override adds to what its customer gets (its pinned lines are left out of its fill rate). Example: floor 0, cap 100 %, pool 30, two basic
     *    customers asking 40 and 20 in packs of 1: version 4 gives the first in priority 30 and the other
     *    nothing; version 5 gives them 20 and 10, half of what each asked for.
     * 10. A critical customer's first pack is its most urgent line that fits, above the cap if need be
     *    (`customer-floor`); version 4 took the most urgent within the cap, and an all-or-nothing line above
     *    it could no longer fit once the customer's other lines had their share. Example: pool 60, cap 40 %
     *    (24), a hospital whose most urgent line is 50 all-or-nothing and whose other line asks 30, another
     *    customer asking 10: version 4 gives the hospital 30 and the customer 10, 20 left over; version 5 the
     *    hospital 59 and the customer its first pack, 1.
     * 11. With `criticalBeforeFloors` false, the critical class shares under the cap what the units set aside
     *    for the other customers' floors leave; the cap is lifted for it only once those floors took what they
     *    could, and what they could not take goes to the critical class before the others share the rest
     *    (`critical-priority`). Versions 2 to 4 break rule 2's cap there: the units set aside for a floor its
     *    all-or-nothing lines cannot take went to the other customers, past the cap if need be, or were left
     *    over, while a critical customer waited below it (test/allocation/engine.property.test.ts: the cap
     *    property failed about 1 run in 1,000).
     *    Example: pool 5, cap 21 % (2), floor 50 %, a hospital asking 2, two customers each with an
     *    all-or-nothing line of 4: versions 2 to 4 give the hospital 1 and a customer 4; version 5 the
     *    hospital 2, 3 left over.
     */
    rulesVersion: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]).default(5),
    /** Fair-share floor: every customer first gets this percent of what it asked for (version 2: at least one pack). */
    floorPercent: percent().default(30),
    /**
     * Version 2, rule 2: critical customers are shared their floors, then the rest by priority and cap within
     * their class, before other customers' floors (true); or other customers' floors are set aside first (false).
     * Default true: critical customers' fill stays that of strict priority, each customer's first pack aside.
     */
    criticalBeforeFloors: z.boolean().default(true),
    /** Concentration cap: no customer takes more than this percent of the supply while others wait. */
    capPercent: percent().min(1, 'must be ≥ 1').default(40),
    /** A line requested within this many days of today is urgent (version 2: when no inbound ETA is known). */
    urgencyWindowDays: count().default(7),
    /** What happens to stock confirmed for a line before the incident, by segment. */
    confirmations: z
      .strictObject({
        /** First matching rule wins. */
        rules: z.array(ConfirmationRuleSchema).max(50, 'must have at most 50 rules').default([
          { match: { critical: true }, strategy: 'win' },
          { match: { stage: 'integrated' }, strategy: 'gain' },
          { match: { stage: 'interdependent' }, strategy: 'gain' },
        ]),
        /** For lines no rule matches. */
        defaultStrategy: z.enum(STRATEGIES).default('redistribute'),
      })
      .prefault({}),
    rationing: z
      .strictObject({
        /** Customers reporting stock on hand are deferred and evened out by days of supply. */
        enabled: z.boolean().default(true),
        /** A customer whose reported stock lasts at least this many days can wait (version 2: when no inbound ETA is known). */
        minDaysOfSupply: count().default(14),
        /** Version 2: a customer can wait when its stock lasts this many days past the next inbound ETA. */
        etaMarginDays: count().max(365, 'must be ≤ 365').default(3),
        /**
         * Rationing over the period (src/rationing/): each customer's share of the pool is released in allotments
         * of this many days until the next inbound ETA, instead of all at the commit; what a period leaves unused
         * returns to the pool at its end. Null (the default) confirms each customer's whole allocation at once:
         * rationing holds back stock a customer was allocated, which changes what it is promised, so a company
         * turns it on knowingly. Example: 7, ETA in 14 days, share 200: 100 now, 100 a week later.
         */
        periodDays: positiveInt().max(90, 'must be ≤ 90').nullable().default(null),
      })
      .prefault({}),
    substitutes: z
      .strictObject({
        /** Offer equivalent SKUs for what the pool leaves uncovered. */
        enabled: z.boolean().default(true),
      })
      .prefault({}),
    approval: z
      .strictObject({
        /** Plans of an incident at least this severe wait for a person. */
        severityThreshold: z.enum(SEVERITY_LEVELS).default('high'),
        /** How long the plan waits for a decision. */
        deadlineHours: positiveInt().max(720, 'must be ≤ 720').default(24),
        /** What happens when nobody decides in time. */
        timeoutAction: z.enum(['auto-approve', 'escalate']).default('escalate'),
      })
      .prefault({}),
    followUp: z
      .strictObject({
        /** Customers who wait get a status email this often. */
        statusEveryDays: positiveInt().max(90, 'must be ≤ 90').default(3),
        /** The inventory system is checked for new receipts this often. */
        restockCheckEveryHours: positiveInt().max(720, 'must be ≤ 720').default(6),
      })
      .prefault({}),
    /** Backorders open longer than this escalate. */
    slaDays: positiveInt().max(365, 'must be ≤ 365').default(14),
    /** Impact assessment: the most severe level whose criteria hold is the incident's; a shortage meeting none is 'low'. */
    severity: z
      .strictObject({
        medium: SeverityLevelSchema.default({ shortageSharePercent: 10, gapDays: 7 }),
        high: SeverityLevelSchema.default({ shortageSharePercent: 25, gapDays: 14, criticalCustomers: 1 }),
        critical: SeverityLevelSchema.default({ shortageSharePercent: 50, gapDays: 30 }),
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.stages.forEach((stage, i) => {
      if (seen.has(stage.name)) ctx.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: `duplicate stage name '${stage.name}'` });
      seen.add(stage.name);
    });
    policy.confirmations.rules.forEach((rule, i) => {
      if (rule.match.stage !== undefined && !seen.has(rule.match.stage)) {
        ctx.addIssue({
          code: 'custom',
          path: ['confirmations', 'rules', i, 'match', 'stage'],
          message: `unknown stage '${rule.match.stage}' (stages: ${[...seen].join(', ')})`,
        });
      }
    });
    // A more severe level must not be easier to reach than a milder one on the same criterion.
    const levels = GRADED_SEVERITIES;
    for (const criterion of ['shortageSharePercent', 'gapDays', 'criticalCustomers'] as const) {
      for (let i = 1; i < levels.length; i++) {
        const milder = policy.severity[levels[i - 1]!][criterion];
        const level = levels[i]!;
        const value = policy.severity[level][criterion];
        if (milder !== undefined && value !== undefined && value < milder) {
          ctx.addIssue({ code: 'custom', path: ['severity', level, criterion], message: `must be ≥ ${milder} (the ${levels[i - 1]} level's)` });
        }
      }
    }
  });

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

export class PolicyError extends Error {
  constructor(readonly issues: Issue[]) {
    super(describeIssues(issues));
    this.name = 'PolicyError';
  }
}

/** Validates a policy, filling in defaults; throws a PolicyError naming each bad field ("policy.capPercent: must be ≤ 100"). */
export function parsePolicy(raw: unknown): Policy {
  const result = PolicySchema.safeParse(raw);
  if (result.success) return result.data;
  throw new PolicyError(issuesOf(result.error, 'policy'));
}

export const DEFAULT_POLICY: Policy = parsePolicy({});

/**
 * A policy with changes laid over it, not yet validated: objects field by field, lists and values replaced, so
 * `{"rationing": {"periodDays": 7}}` keeps the rest of the base's rationing. Anything but an object is returned
 * as it is, for parsePolicy to refuse.
 */
export function withPolicyChanges(base: Policy, changes: unknown): unknown {
  return overlay(base, changes);
}

function overlay(base: unknown, changes: unknown): unknown {
  if (!isRecord(base) || !isRecord(changes)) return changes;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) merged[key] = key in base ? overlay(base[key], value) : value;
  return merged;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The policy with the sharing rules of version 1: for an incident whose plans were made before version 2,
 * so its next plan (a restock round, a re-plan) follows the rules its first plan did.
 */
export function withFirstSharingRules(policy: Policy): Policy {
  return { ...policy, rulesVersion: 1 };
}

/** The first confirmation rule matching the customer's segment decides; else the policy's default. */
export function strategyFor(policy: Policy, customer: { stage: string; critical: boolean }): Strategy {
  const rule = policy.confirmations.rules.find(
    ({ match }) => (match.stage === undefined || match.stage === customer.stage) && (match.critical === undefined || match.critical === customer.critical),
  );
  return rule?.strategy ?? policy.confirmations.defaultStrategy;
}
