// When a scan may reopen an incident that just ended: a planner's cancel and a false alarm are heard for the
// quiet period; an incident that closed normally, or is still running, never holds a scan back.
import { describe, expect, it } from 'vitest';
import { materiallyLower, scanHeldBack, webhookHeldBack } from '../../src/incident/reopen';

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

describe('a webhook after an incident ended', () => {
  it('is held back within the quiet period after a false alarm when it reports no materially lower stock', () => {
    expect(webhookHeldBack(ended('false-alarm', 0.01), NOW, 24, 40, [40])).toBe(true);
    expect(webhookHeldBack(ended('false-alarm', 23.9), NOW, 24, 33, [45, 40])).toBe(true);
    expect(webhookHeldBack(ended('false-alarm', 1), NOW, 24, 3, [])).toBe(true);
    expect(webhookHeldBack(ended('false-alarm', 1), NOW, 24, undefined, [40])).toBe(true);
  });

  it('goes ahead when it reports materially lower stock than the false alarm heard of', () => {
    expect(webhookHeldBack(ended('false-alarm', 0.01), NOW, 24, 32, [40, 50])).toBe(false);
  });

  it('goes ahead after the quiet period, after a cancel or a normal close, while one runs, and when there never was one', () => {
    expect(webhookHeldBack(ended('false-alarm', 24), NOW, 24, 40, [40])).toBe(false);
    expect(webhookHeldBack(ended('cancelled', 1), NOW, 24, 40, [40])).toBe(false);
    expect(webhookHeldBack(ended('closed', 1), NOW, 24, 40, [40])).toBe(false);
    expect(webhookHeldBack({ running: true, stage: 'following-up', closedAt: null }, NOW, 24, 40, [40])).toBe(false);
    expect(webhookHeldBack(null, NOW, 24, 40, [])).toBe(false);
  });
});

describe('materially lower stock', () => {
  it('is a fifth below the figure before, and at least one unit', () => {
    expect(materiallyLower(80, 100)).toBe(true);
    expect(materiallyLower(81, 100)).toBe(false);
    expect(materiallyLower(2, 3)).toBe(true);
    expect(materiallyLower(3, 3)).toBe(false);
    expect(materiallyLower(-1, 0)).toBe(true);
    expect(materiallyLower(-11, -10)).toBe(false);
    expect(materiallyLower(-12, -10)).toBe(true);
  });
});
