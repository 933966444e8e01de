// What the Temporal UI shows of an incident: the start summary, the current details as stages change and a
// stage parks, and the timers' summaries naming the first wake-up.
import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../src/incident/commands';
import { openIncident } from '../../src/incident/lifecycle';
import { approvalTimerSummary, currentDetails, followUpTimerSummary, incidentUserMetadata } from '../../src/incident/ui-metadata';

const trigger: Trigger = { triggerId: 'evt-7', sku: 'SKU-1', network: 'north', source: 'webhook', reason: 'under critical level', requestedBy: 'ann@example.com' };
const opened = () => openIncident(trigger, { workflowId: 'stockout:north:SKU-1', firstExecutionRunId: '0123456789abcdef' }, '2026-11-24T12:00:00.000Z');
const HOUR = 3_600_000;

describe('the incident in the Temporal UI', () => {
  it('starts with the SKU and network as its summary, and no one who asked for it', () => {
    const { staticSummary, staticDetails } = incidentUserMetadata(trigger);
    expect(staticSummary).toBe('Stockout of SKU-1 in network north');
    expect(staticDetails).toContain('webhook trigger (evt-7)');
    expect(`${staticSummary} ${staticDetails}`).not.toContain('ann@example.com');
  });

  it('says where it stands, and for a parked stage what failed and what to do', () => {
    const s = opened();
    expect(currentDetails(s)).toBe('**Stage:** assessing · **Severity:** none');
    s.stage = 'needs-attention';
    s.severity = 'high';
    s.attention = { stage: 'notifying', reason: 'SmtpConfiguration: the SMTP server refused our session', since: '2026-11-24T13:00:00.000Z' };
    s.backorders = { openLines: 4, openUnits: 120, fulfilledUnits: 0, cancelledUnits: 0 };
    const details = currentDetails(s);
    expect(details).toContain('**Stage:** needs-attention · **Severity:** high');
    expect(details).toContain('**Needs attention** since 2026-11-24T13:00:00.000Z: notifying failed — SmtpConfiguration: the SMTP server refused our session');
    expect(details).toContain('`stockout resume`');
    expect(details).toContain('**Backorders open:** 120 units on 4 lines');
  });

  it('names what an approval waits for', () => {
    const s = opened();
    s.stage = 'awaiting-approval';
    s.approval = { required: true, status: 'pending', deadline: '2026-11-25T12:00:00.000Z', decidedBy: null, comment: null };
    expect(currentDetails(s)).toContain('**Waiting for a person:** decide plan');
    expect(currentDetails(s)).toContain('**Approval:** pending, deadline 2026-11-25T12:00:00.000Z');
    expect(approvalTimerSummary(4 * HOUR)).toBe("approval deadline in 4 hours, or a planner's decision");
  });

  it('summarises the follow-up timer by its first wake-up', () => {
    expect(followUpTimerSummary(0, { nextStatusAt: 72 * HOUR, nextCheckAt: 6 * HOUR, slaAt: 240 * HOUR })).toBe('restock and ETA check in 6 hours, or a restock, ETA change or answer');
    expect(followUpTimerSummary(0, { nextStatusAt: 72 * HOUR, nextCheckAt: 96 * HOUR, slaAt: null })).toBe('status email in 3 days, or a restock, ETA change or answer');
    expect(followUpTimerSummary(0, { nextStatusAt: 72 * HOUR, nextCheckAt: 96 * HOUR, slaAt: 0.5 * HOUR })).toBe('SLA escalation in 30 minutes, or a restock, ETA change or answer');
    const ration = (period: number) => ({ nextStatusAt: 72 * HOUR, nextCheckAt: 96 * HOUR, slaAt: null, ration: { at: 48 * HOUR, period, periods: 4 } });
    expect(followUpTimerSummary(0, ration(2))).toBe('ration period 2 of 4 in 2 days, or a restock, ETA change or answer');
    expect(followUpTimerSummary(0, ration(5))).toBe('end of ration period 4 of 4 in 2 days, or a restock, ETA change or answer');
  });
});
