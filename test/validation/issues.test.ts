// Bad input is refused in words a person reads, each issue naming its field: the same for the API, the CLI,
// the workflow's validators and policy files, since they all parse with the shared schemas.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PolicySchema } from '../../src/allocation/policy';
import { CancelSchema, CustomerAnswerSchema, EtaChangeSchema, PlanDecisionSchema, RestockSchema, TriggerSchema } from '../../src/incident/commands';
import { ListFilterSchema } from '../../src/operations/inputs';
import { describeIssues, issuesOf, parseOrThrow } from '../../src/validation/issues';

const refusal = (schema: z.ZodType, value: unknown, root: string) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`${root} was accepted`);
  return describeIssues(issuesOf(result.error, root));
};

describe('messages of refused input', () => {
  it('says what is missing and what a number must be', () => {
    expect(refusal(RestockSchema, {}, 'restock')).toBe('restock.receiptId: required; restock.quantity: required');
    expect(refusal(RestockSchema, { receiptId: 'R1', quantity: 1.5 }, 'restock')).toBe('restock.quantity: must be a whole number');
    expect(refusal(RestockSchema, { receiptId: 'R1', quantity: 0 }, 'restock')).toBe('restock.quantity: must be more than 0');
    expect(refusal(RestockSchema, { receiptId: ' ', quantity: 'ten' }, 'restock')).toBe('restock.receiptId: must not be empty; restock.quantity: must be a number');
    expect(refusal(ListFilterSchema, { limit: 0 }, 'filter')).toBe('filter.limit: must be at least 1');
    expect(refusal(ListFilterSchema, { limit: 'lots' }, 'filter')).toBe('filter.limit: must be a number');
  });

  it('lists the choices of an enum and of a discriminated union', () => {
    expect(refusal(ListFilterSchema, { severity: 'dire' }, 'filter')).toBe('filter.severity: must be one of: none, low, medium, high, critical');
    expect(refusal(PlanDecisionSchema, { decision: 'maybe' }, 'decision')).toBe('decision.decision: must be one of: approve, reject');
    expect(refusal(PlanDecisionSchema, {}, 'decision')).toBe('decision.decision: required');
    expect(refusal(CustomerAnswerSchema, { answer: 'perhaps' }, 'answer')).toBe('answer.answer: must be one of: accept-substitute, cancel, can-wait');
    expect(refusal(z.literal('a'), 'b', 'x')).toBe('x: must be "a"');
  });

  it('names formats, lengths and unknown fields', () => {
    expect(refusal(EtaChangeSchema, { poId: 'PO-1', eta: '2025-13-01' }, 'eta')).toBe('eta.eta: must be a date YYYY-MM-DD');
    expect(refusal(CancelSchema, { reason: 'x'.repeat(501), cancelledBy: 'pat' }, 'cancel')).toBe('cancel.reason: must be at most 500 characters');
    expect(refusal(z.array(z.string()).min(1), [], 'x')).toBe('x: must have at least 1 item');
    expect(refusal(z.array(z.string()).max(2), ['a', 'b', 'c'], 'x')).toBe('x: must have at most 2 items');
    expect(refusal(z.email(), 'pat', 'x')).toBe('x: must be an email address');
    expect(refusal(PolicySchema, { capPercnt: 40, floorPercnt: 30 }, 'policy')).toBe('policy: unknown fields: capPercnt, floorPercnt');
    expect(refusal(PolicySchema, 'strict', 'policy')).toBe('policy: must be an object');
  });

  it("keeps a schema's own message", () => {
    expect(refusal(PlanDecisionSchema, { decision: 'reject', planRevision: 0, decidedBy: 'pat', comment: ' ' }, 'decision')).toBe(
      'decision.comment: a rejection needs a reason',
    );
    expect(refusal(TriggerSchema, { triggerId: 't', sku: 'A:B', network: 'eu', source: 'manual', reason: 'r' }, 'trigger')).toMatch(
      /^trigger\.sku: must start with a letter or digit/,
    );
    expect(refusal(PolicySchema, { capPercent: 150 }, 'policy')).toBe('policy.capPercent: must be ≤ 100');
  });
});

describe('issue paths', () => {
  it('root the path at the input, or map the first field to what the caller calls it', () => {
    const result = RestockSchema.safeParse({ receiptId: 'R1', quantity: -1 });
    expect(result.success).toBe(false);
    const { error } = result as z.ZodSafeParseError<unknown>;
    expect(issuesOf(error, 'restock')).toEqual([{ path: 'restock.quantity', message: 'must be more than 0' }]);
    expect(issuesOf(error, 'input', (field) => `--${field}`)).toEqual([{ path: '--quantity', message: 'must be more than 0' }]);
    const whole = z.string().safeParse(3) as z.ZodSafeParseError<unknown>;
    expect(issuesOf(whole.error, 'input', (field) => `--${field}`)).toEqual([{ path: 'input', message: 'must be text' }]);
  });

  it('parseOrThrow returns the data or throws the issues as one line', () => {
    expect(parseOrThrow(RestockSchema, { receiptId: 'R1', quantity: 2 }, 'restock')).toEqual({ receiptId: 'R1', quantity: 2 });
    expect(() => parseOrThrow(RestockSchema, { receiptId: 'R1' }, 'restock')).toThrow(/^restock\.quantity: required$/);
  });
});
