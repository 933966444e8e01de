// The revisions emails go out under: the values running incidents sent their emails with (a changed one would
// give their next retry a new idempotency key and Message-ID, so a second email), and two series that send one
// kind never meeting.
import { describe, expect, it } from 'vitest';
import { messageRevision } from '../../src/notifications/message-revisions';
import { idempotencyKeyFor } from '../../src/notifications/model';

describe('messageRevision', () => {
  it('gives the revisions incidents have always sent under', () => {
    expect(messageRevision('plan', 'first-notice')).toBe(0);
    expect(messageRevision('closing', 'incident-closed')).toBe(0);
    expect(messageRevision('closing', 'incident-cancelled')).toBe(0);
    expect(messageRevision('status-updates', 'status-update', 3)).toBe(3);
    expect(messageRevision('eta-changes', 'eta-change', 2)).toBe(2);
    expect(messageRevision('eta-changes', 'ration-change', 2)).toBe(2);
    expect(messageRevision('restock-rounds', 'backorder-shipped', 4)).toBe(4);
    expect(messageRevision('order-rounds', 'new-orders', 4)).toBe(4);
    expect(messageRevision('order-rounds', 'backorder-shipped', 1)).toBe(1_000_001);
    expect(messageRevision('approval-deadline', 'escalation')).toBe(0);
    expect(messageRevision('sla', 'escalation')).toBe(1);
    expect(messageRevision('substitutes-at-commit', 'escalation')).toBe(2);
  });

  it("keeps order rounds' backorder-shipped notices apart from restock rounds', and the escalations apart", () => {
    const key = (revision: number) => idempotencyKeyFor({ incidentId: 'INC-1', recipient: 'customer:C-1', kind: 'backorder-shipped', revision });
    const restockRounds = new Set(Array.from({ length: 1000 }, (_, i) => key(messageRevision('restock-rounds', 'backorder-shipped', i + 1))));
    const orderRounds = Array.from({ length: 1000 }, (_, i) => key(messageRevision('order-rounds', 'backorder-shipped', i + 1)));
    expect(orderRounds.filter((k) => restockRounds.has(k))).toEqual([]);
    const escalations = (['approval-deadline', 'sla', 'substitutes-at-commit'] as const).map((series) => messageRevision(series, 'escalation'));
    expect(new Set(escalations).size).toBe(escalations.length);
  });
});
