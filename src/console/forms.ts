// What the console's forms send, one zod schema each: browser forms send strings, an empty field is "not
// given". Each is parsed before anything is called, and a refusal names the form's field. The commands'
// own rules (a rejection needs a reason, a positive quantity) are the shared schemas' and apply after these.
import { z } from 'zod';
import { PlanOverrideSchema } from '../incident/commands';
import { PlanLinesRequestSchema } from '../operations/incident-operations';
import { WHAT_IF_POLICIES, type WhatIfPreset } from './what-if-policies';

const blankIsAbsent = (v: unknown) => (v === '' ? undefined : v);
const optionalText = (max: number) => z.preprocess(blankIsAbsent, z.string().trim().max(max).optional());
const wholeNumber = z.preprocess(blankIsAbsent, z.coerce.number().int().nonnegative());

export const SignInFormSchema = z.object({
  name: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
  // Only back into the console: never an open redirect.
  next: z
    .string()
    .optional()
    .transform((next) => (next && /^\/console\/[^/\\]/.test(next) ? next : '/console/board')),
});

/** An override as the editor sends it: a line's new quantity and, when it lowers the line, why. */
export const OverrideEditSchema = PlanOverrideSchema.extend({ reason: optionalText(500) });
export type OverrideEdit = z.infer<typeof OverrideEditSchema>;

/** The editor's draft: a JSON list in one hidden field (it spans every page of the plan). */
const overridesField = z
  .string()
  .max(1_000_000)
  .default('[]')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text || '[]') as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON list of { lineId, allocate, reason }' });
      return z.NEVER;
    }
  })
  .pipe(z.array(OverrideEditSchema).max(5000));

/** The plan table's filters and page on the incident page's query string (empty fields left out before). */
export const PlanTableQuerySchema = PlanLinesRequestSchema.pick({ stage: true, customer: true, reason: true, outcome: true, sort: true, cursor: true });
export type PlanTableFilter = z.input<typeof PlanTableQuerySchema>;

/** Names an earlier incident of the SKU (a closed run of its workflow id); absent: the latest. */
export const RunQuerySchema = z.object({ run: z.preprocess(blankIsAbsent, z.uuid('must be a run id').optional()) });

export const PreviewFormSchema = z.object({ planRevision: wholeNumber, overrides: overridesField });

export const DecisionFormSchema = z.object({
  decision: z.enum(['approve', 'reject']),
  planRevision: wholeNumber,
  comment: optionalText(2000),
});

export const WhatIfFormSchema = z.object({
  preset: z.preprocess(blankIsAbsent, z.enum(Object.keys(WHAT_IF_POLICIES) as [WhatIfPreset, ...WhatIfPreset[]]).optional()),
  /** An edited policy wins over the preset. */
  policy: z.preprocess(
    blankIsAbsent,
    z
      .string()
      .max(20_000)
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of policy fields' });
          return z.NEVER;
        }
      })
      .optional(),
  ),
});

export const RestockFormSchema = z.object({
  quantity: wholeNumber,
  poId: optionalText(200),
  /** Made when the page was rendered: the same form sent twice is one receipt. */
  receiptKey: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be the key the page gave'),
});

export const EtaFormSchema = z.object({ poId: z.string().trim().min(1).max(200), eta: z.string().trim().min(1), reason: optionalText(400) });

export const CancelFormSchema = z.object({
  reason: z.string().trim().min(1).max(500),
  confirm: z.literal('yes', 'tick "I understand what cancelling does"'),
});

export const ResumeFormSchema = z.object({ note: optionalText(2000) });

export const WithdrawFormSchema = z.object({ reason: z.string().trim().min(1, 'say why the command is withdrawn').max(500) });
