// The incident's vocabularies: which stages end an incident or wait for a person, and how severities rank.
import { describe, expect, it } from 'vitest';
import {
  GRADED_SEVERITIES,
  INCIDENT_STAGES,
  SEVERITY_LEVELS,
  SEVERITY_ORDER,
  holdsBackScan,
  isIncidentStage,
  isOver,
  severityAtLeast,
  waitsFor,
} from '../../src/incident/vocabulary';

describe('incident stages', () => {
  it('end in one of three outcomes; only a cancel or a false alarm holds the next scan back', () => {
    expect(INCIDENT_STAGES.filter(isOver)).toEqual(['closed', 'false-alarm', 'cancelled']);
    expect(INCIDENT_STAGES.filter(holdsBackScan)).toEqual(['false-alarm', 'cancelled']);
  });

  it('wait for a person only for a plan decision or a resume', () => {
    expect(INCIDENT_STAGES.filter((stage) => waitsFor(stage) !== null).map((stage) => [stage, waitsFor(stage)])).toEqual([
      ['awaiting-approval', 'decide plan'],
      ['needs-attention', 'resume'],
    ]);
  });

  it('read from text, know no stage by a name they do not list', () => {
    for (const text of ['toString', 'constructor', '__proto__', 'open', '']) {
      expect(isIncidentStage(text), text).toBe(false);
      expect(isOver(text), text).toBe(false);
      expect(waitsFor(text), text).toBeNull();
    }
  });
});

describe('severities', () => {
  it('rank from none to critical', () => {
    expect(SEVERITY_ORDER).toEqual(['none', 'low', 'medium', 'high', 'critical']);
    expect(severityAtLeast('critical', 'high')).toBe(true);
    expect(severityAtLeast('high', 'high')).toBe(true);
    expect(severityAtLeast('medium', 'high')).toBe(false);
    expect(severityAtLeast('none', 'low')).toBe(false);
  });

  it("leave 'none' out of a shortage's levels, and 'low' out of those the policy grades", () => {
    expect(SEVERITY_LEVELS).toEqual(['low', 'medium', 'high', 'critical']);
    expect(GRADED_SEVERITIES).toEqual(['medium', 'high', 'critical']);
  });
});
