// A plan's substitutes as their stock stands at the commit. Another incident (or anyone) may have taken
// substitute units since the plan counted them free: the commit takes what is left, highest priority first, and
// backorders what the substitutes no longer cover, instead of asking the inventory system for units it no
// longer has. Pure.
import { REASON_CODES, type LineAllocation, type ReasonCode, type SubstituteAllocation } from '../allocation/types';
import { winException } from '../allocation/plan';
import { lastHolding } from '../allocation/monotone-search';
import { substituteQuantityBounds } from '../inventory/contract';

/** A substitute as the commit finds it. */
export interface SubstituteStockAtCommit {
  /** Substitute units per original unit, and its pack: as the plan shipped them. */
  ratio: number;
  packSize: number;
  /** Units the incident may reserve now: free at the hub, with what it already holds for the plan. */
  available: number;
}

/** What of one substitute SKU the plan counted on and what the commit takes. */
export interface SubstituteTaken {
  sku: string;
  planned: number;
  available: number;
  taken: number;
}

export interface SubstitutesAtCommit {
  /** The plan's lines in their order, those whose substitutes no longer fit trimmed. */
  lines: LineAllocation[];
  trimmedLines: number;
  /** Original units the trimmed substitutes no longer cover: backordered now. */
  unitsBackordered: number;
  /** Must-win lines the trimmed substitutes leave short: for a person, as the engine words them. */
  exceptions: string[];
  /** Per substitute SKU the plan uses, by SKU. */
  substitutes: SubstituteTaken[];
}

/** Where a line's substitute is found in `held`. */
export const heldKey = (lineId: string, sku: string) => `${lineId}|${sku}`;

/**
 * The plan's substitutes fitted to the stock at commit. Lines are served in `ranked` order (line ids, highest
 * priority first); a substitute the incident already reserved for a line (`held`, units by heldKey: an earlier
 * attempt of the commit) keeps exactly that, first. Each other substitute is kept whole when it fits in what is
 * left of its SKU; otherwise a line that ships partially keeps the most original units whose substitute packs
 * fit, and an all-or-nothing line's is dropped whole (not split). A substitute the commit does not find
 * (`stock` has no entry) is dropped. Lines keep their units of the SKU; what a substitute no longer covers is
 * backordered.
 */
export function substitutesAtCommit(
  lines: readonly LineAllocation[],
  ranked: readonly string[],
  stock: ReadonlyMap<string, SubstituteStockAtCommit>,
  partialAllowed: (lineId: string) => boolean,
  held: ReadonlyMap<string, number> = new Map(),
): SubstitutesAtCommit {
  const left = new Map([...stock].map(([sku, s]) => [sku, s.available]));
  const kept = new Map<string, SubstituteAllocation>();
  const take = (lineId: string, sub: SubstituteAllocation, room: number, partial: boolean) => {
    const s = stock.get(sub.sku);
    if (!s) return;
    const shipped = (covers: number) => substituteQuantityBounds(covers, s.ratio, s.packSize).most;
    const covers = sub.quantity <= room ? sub.covers : partial ? lastHolding(0, sub.covers, (n) => shipped(n) <= room) : 0;
    if (covers === 0) return;
    const fitted = covers === sub.covers ? sub : { sku: sub.sku, quantity: shipped(covers), covers };
    kept.set(heldKey(lineId, sub.sku), fitted);
    left.set(sub.sku, left.get(sub.sku)! - fitted.quantity);
  };
  const byId = new Map(lines.map((l) => [l.lineId, l]));
  const rankedIds = new Set(ranked);
  const order = [...ranked.flatMap((id) => byId.get(id) ?? []), ...lines.filter((l) => !rankedIds.has(l.lineId))];
  // What the incident holds was fitted by an earlier attempt: it stays as reserved (its own key, its own units).
  for (const line of order) {
    for (const sub of line.substitutes) {
      const units = held.get(heldKey(line.lineId, sub.sku));
      if (units !== undefined) take(line.lineId, sub, units, true);
    }
  }
  for (const line of order) {
    for (const sub of line.substitutes) {
      if (sub.quantity > 0 && !held.has(heldKey(line.lineId, sub.sku))) take(line.lineId, sub, Math.max(0, left.get(sub.sku) ?? 0), partialAllowed(line.lineId));
    }
  }

  let trimmedLines = 0;
  let unitsBackordered = 0;
  const fitted = lines.map((line) => {
    const substitutes = line.substitutes.flatMap((sub) => (sub.quantity <= 0 ? [sub] : (kept.get(heldKey(line.lineId, sub.sku)) ?? [])));
    const substituted = substitutes.reduce((sum, s) => sum + s.covers, 0);
    if (substituted === line.substituted && substitutes.length === line.substitutes.length) return line;
    trimmedLines += 1;
    unitsBackordered += line.substituted - substituted;
    // As the engine says of the SKU's pool: run out only when none of a substitute the line lost is left (one no
    // longer found, or with units left that the line could not use, did not run out).
    const lost = line.substitutes.filter((sub) => sub.quantity > (kept.get(heldKey(line.lineId, sub.sku))?.quantity ?? 0));
    const ranOut = lost.every((sub) => stock.has(sub.sku) && left.get(sub.sku)! <= 0);
    return shortOfSubstitute(line, substitutes, substituted, partialAllowed(line.lineId), ranOut);
  });
  const exceptions = fitted.flatMap((line, i) => (line.exception !== undefined && lines[i]!.exception === undefined ? [line.exception] : []));
  const planned = new Map<string, number>();
  for (const line of lines) for (const sub of line.substitutes) planned.set(sub.sku, (planned.get(sub.sku) ?? 0) + sub.quantity);
  const substitutes = [...planned.keys()].sort().map((sku) => ({
    sku,
    planned: planned.get(sku)!,
    available: stock.get(sku)?.available ?? 0,
    taken: [...kept.values()].filter((s) => s.sku === sku).reduce((sum, s) => sum + s.quantity, 0),
  }));
  return { lines: fitted, trimmedLines, unitsBackordered, exceptions, substitutes };
}

/**
 * A line with less substitute than planned keeps its units of the SKU (its confirmation, a planner's pin) and
 * backorders what the substitute no longer covers. Its reasons say so as the engine's would: no substitute reason
 * without a substitute, not served in full with a backorder, an all-or-nothing line skipped, a must-win line
 * an exception for a person, and the stock run out when none of the substitute is left.
 */
function shortOfSubstitute(line: LineAllocation, substitutes: SubstituteAllocation[], substituted: number, partial: boolean, ranOut: boolean): LineAllocation {
  const backordered = line.backordered + line.substituted - substituted;
  const short = backordered > 0;
  const missedWin = short && line.reasons.includes('confirmation-won');
  const drop: ReasonCode[] = [...(substituted > 0 ? [] : SUBSTITUTE_REASONS), ...(short ? SERVED_IN_FULL : [])];
  const add: ReasonCode[] = [
    ...(short && !partial ? (['all-or-nothing-skipped'] as const) : []),
    ...(missedWin ? (['win-exception'] as const) : []),
    ...(short && ranOut ? (['pool-exhausted'] as const) : []),
  ];
  const trimmed: LineAllocation = { ...line, substitutes, substituted, backordered, reasons: REASON_CODES.filter((code) => (line.reasons.includes(code) && !drop.includes(code)) || add.includes(code)) };
  if (missedWin) trimmed.exception = winException(trimmed);
  return trimmed;
}

const SUBSTITUTE_REASONS: readonly ReasonCode[] = ['substituted', 'substitute-top-up'];
const SERVED_IN_FULL: readonly ReasonCode[] = ['fully-served', 'confirmation-won'];
