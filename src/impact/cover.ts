// Days of cover: how long the stock available now serves open demand taken in requested-date order. The
// impact assessment reports it and the threshold scan opens incidents on it, so both mean the same thing.
import { dayNumber } from '../allocation/dates';

/**
 * Days from `asOf` to the first requested date whose demand, served earliest date first, `available` no longer
 * covers (0 when overdue demand already exceeds it); null when it covers all of it.
 */
export function daysOfCover(demandByDate: Readonly<Record<string, number>>, available: number, asOf: string): number | null {
  let covered = 0;
  for (const date of Object.keys(demandByDate).sort()) {
    covered += demandByDate[date]!;
    if (covered > available) return Math.max(0, dayNumber(date) - dayNumber(asOf));
  }
  return null;
}

/**
 * Days of cover in words, the same in the scan's trigger, `show` and the console: the number, and what the
 * available stock (the assessment's `available`) does against the open demand. Pure: the scan workflow uses it.
 */
export function coverInWords(days: number | null, available: number): string {
  if (days === null) return `unlimited: the ${available} units available cover all open demand`;
  if (available === 0) return days === 0 ? '0 days: nothing is available and open demand is already due' : `${days} days: nothing is available, and the first open demand is due in ${days} days`;
  if (days === 0) return `0 days: the ${available} units available are less than the open demand already due`;
  return `${days} days: the ${available} units available serve the open demand, earliest requested date first, for ${days} days`;
}

export interface CoverPositionInput {
  sku: string;
  available: number;
  demandByDate: readonly { date: string; quantity: number }[];
  nextInboundEta: string | null;
}

export interface SkuAtRisk {
  sku: string;
  daysOfCover: number;
  available: number;
  nextInboundEta: string | null;
}

/** The SKUs whose days of cover fall below `criticalDays`, in the order given. */
export function skusAtRisk(positions: readonly CoverPositionInput[], asOf: string, criticalDays: number): SkuAtRisk[] {
  return positions.flatMap((p) => {
    const demand: Record<string, number> = Object.create(null);
    for (const { date, quantity } of p.demandByDate) demand[date] = (demand[date] ?? 0) + quantity;
    const cover = daysOfCover(demand, p.available, asOf);
    return cover !== null && cover < criticalDays ? [{ sku: p.sku, daysOfCover: cover, available: p.available, nextInboundEta: p.nextInboundEta }] : [];
  });
}
