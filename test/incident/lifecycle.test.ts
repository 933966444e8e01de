// The incident state's bookkeeping stays small however long an incident runs: the timeline keeps its latest
// entries and counts the rest, the triggers keep the first (why it opened) and the latest.
import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../src/incident/commands';
import { addTrigger, appendNote, cancelIssue, isOver, openIncident, resumeIssue } from '../../src/incident/lifecycle';

const trigger = (n: number): Trigger => ({ triggerId: `t${n}`, sku: 'SKU-1', network: 'north', source: 'manual', reason: `reason ${n}` });
const opened = () => openIncident(trigger(0), { workflowId: 'stockout:north:SKU-1', firstExecutionRunId: '0123456789abcdef' }, '2026-11-24T12:00:00.000Z');

describe('incident bookkeeping', () => {
  it('opens with the trigger, the time and an id that tells this run apart from later incidents of the SKU', () => {
    const s = opened();
    expect(s).toMatchObject({ incidentId: 'stockout:north:SKU-1:01234567', sku: 'SKU-1', network: 'north', stage: 'assessing', openedAt: '2026-11-24T12:00:00.000Z' });
    expect(s.triggers).toEqual([trigger(0)]);
    expect(isOver(s)).toBe(false);
  });

  it('keeps the latest 100 timeline entries and counts those dropped', () => {
    const s = opened();
    for (let n = 0; n < 105; n++) appendNote(s, `2026-11-24T12:00:${String(n % 60).padStart(2, '0')}.000Z`, `event ${n}`, n % 2 ? 'odd' : '');
    expect(s.timeline).toHaveLength(100);
    expect(s.timelineDropped).toBe(5);
    expect(s.timeline[0]).toEqual({ at: '2026-11-24T12:00:05.000Z', event: 'event 5', detail: 'odd' });
    expect(s.timeline[1]).toEqual({ at: '2026-11-24T12:00:06.000Z', event: 'event 6' });
  });

  it('attaches a trigger once, and keeps the first and the latest 49', () => {
    const s = opened();
    expect(addTrigger(s, trigger(1))).toBe(true);
    expect(addTrigger(s, trigger(1))).toBe(false);
    for (let n = 2; n <= 60; n++) addTrigger(s, trigger(n));
    expect(s.triggers).toHaveLength(50);
    expect(s.triggers[0]).toEqual(trigger(0));
    expect(s.triggers[1]).toEqual(trigger(12));
    expect(s.triggers.at(-1)).toEqual(trigger(60));
  });

  it('is over once closed, a false alarm or cancelled', () => {
    for (const stage of ['closed', 'false-alarm', 'cancelled'] as const) expect(isOver({ ...opened(), stage })).toBe(true);
    expect(isOver({ ...opened(), stage: 'needs-attention' })).toBe(false);
  });

  it('takes one cancel while open and a resume only while a stage is parked', () => {
    const s = opened();
    expect(cancelIssue(s)).toBeNull();
    expect(cancelIssue({ ...s, cancelRequested: { reason: 'false alarm', cancelledBy: 'pat' } })?.message).toBe('a cancel is already under way (pat: false alarm)');
    expect(cancelIssue({ ...s, stage: 'closed' })?.message).toBe('the incident is already closed');
    expect(resumeIssue(s)?.message).toBe('no stage is parked waiting for a person (stage assessing)');
    expect(resumeIssue({ ...s, stage: 'needs-attention', attention: { stage: 'committing', reason: 'inventory down', since: s.openedAt } })).toBeNull();
  });
});
