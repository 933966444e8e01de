// When a scan may reopen an incident that just ended: a planner's cancel and a false alarm are heard for the
// quiet period; an incident that closed normally, or is still running, never holds a scan back.
import { describe, expect, it } from 'vitest';
import { scanHeldBack } from '../../src/incident/reopen';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const ended = (stage: string, hoursAgo: number) => ({ running: false, stage, closedAt: new Date(NOW - hoursAgo * 3_600_000).toISOString() });

describe('a scan after an incident ended', () => {
  it('is held back within the quiet period after a cancel or a false alarm', () => {
    expect(scanHeldBack(ended('cancelled', 2), NOW, 24)).toBe(true);
    expect(scanHeldBack(ended('false-alarm', 23.9), NOW, 24)).toBe(true);
  });

  it('goes ahead once the quiet period is over, or when there is none', () => {
    expect(scanHeldBack(ended('cancelled', 24), NOW, 24)).toBe(false);
    expect(scanHeldBack(ended('cancelled', 0.1), NOW, 0)).toBe(false);
  });

  it('goes ahead after a normal close, while one runs (it attaches), and when there never was one', () => {
    expect(scanHeldBack(ended('closed', 1), NOW, 24)).toBe(false);
    expect(scanHeldBack({ running: true, stage: 'following-up', closedAt: null }, NOW, 24)).toBe(false);
    expect(scanHeldBack(null, NOW, 24)).toBe(false);
    // The stage comes from a search attribute: text that names no outcome holds nothing back.
    expect(scanHeldBack(ended('constructor', 1), NOW, 24)).toBe(false);
  });
});
