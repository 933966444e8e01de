// A plan's substitutes as their stock stands at the commit. Another incident (or anyone) may have taken
// substitute units since the plan counted them free: the commit takes what is left, highest priority first, and
// backorders what the substitutes no longer cover, instead of asking the inventory system for units it no
// longer has. An all-or-nothing line the substitute no longer completes is left as the engine leaves one that does
// not fit: it keeps its confirmation from before the incident and gives back the pool's units. Pure.
import { REASON_CODES, type LineAllocation, type ReasonCode, type SubstituteAllocation } from '../allocation/types';
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

/** What the commit needs to know of a demand line beside its plan line. */
export interface LineTerms {
  /** false: all-or-nothing. */
  partialAllowed: boolean;
  /** Units confirmed to the line before the incident. */
  confirmed: number;
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
  /** Units the trimmed lines have backordered beyond the plan: what their substitutes no longer cover, and what all-or-nothing lines gave back. */
  unitsBackordered: number;
  /** Units of the short SKU from the pool that all-or-nothing lines gave back. */
  unitsGivenBack: number;
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
 * (`stock` has no entry) is dropped. A line that ships partially keeps its units of the SKU and backorders what a
 * substitute no longer covers; an all-or-nothing line left incomplete keeps only what was confirmed to it.
 */
export function substitutesAtCommit(
  lines: readonly LineAllocation[],
  ranked: readonly string[],
  stock: ReadonlyMap<string, SubstituteStockAtCommit>,
  termsOf: (lineId: string) => LineTerms,
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
      if (sub.quantity > 0 && !held.has(heldKey(line.lineId, sub.sku))) take(line.lineId, sub, Math.max(0, left.get(sub.sku) ?? 0), termsOf(line.lineId).partialAllowed);
    }
  }

  let trimmedLines = 0;
  let unitsBackordered = 0;
  let unitsGivenBack = 0;
  const fitted = lines.map((line) => {
    const substitutes = line.substitutes.flatMap((sub) => (sub.quantity <= 0 ? [sub] : (kept.get(heldKey(line.lineId, sub.sku)) ?? [])));
    const substituted = substitutes.reduce((sum, s) => sum + s.covers, 0);
    if (substituted === line.substituted && substitutes.length === line.substitutes.length) return line;
    trimmedLines += 1;
    const terms = termsOf(line.lineId);
    // The engine gives an all-or-nothing line one substitute, kept whole or dropped: what it lost leaves it incomplete.
    const trimmed = terms.partialAllowed ? partlyCovered(line, substitutes, substituted) : skipped(line, terms.confirmed);
    unitsGivenBack += line.allocated - trimmed.allocated;
    unitsBackordered += trimmed.backordered - line.backordered;
    return trimmed;
  });
  const planned = new Map<string, number>();
  for (const line of lines) for (const sub of line.substitutes) planned.set(sub.sku, (planned.get(sub.sku) ?? 0) + sub.quantity);
  const substitutes = [...planned.keys()].sort().map((sku) => ({
    sku,
    planned: planned.get(sku)!,
    available: stock.get(sku)?.available ?? 0,
    taken: [...kept.values()].filter((s) => s.sku === sku).reduce((sum, s) => sum + s.quantity, 0),
  }));
  return { lines: fitted, trimmedLines, unitsBackordered, unitsGivenBack, substitutes };
}

const SUBSTITUTE_REASONS: readonly ReasonCode[] = ['substituted', 'substitute-top-up'];

/** A line that ships partially with less substitute: it keeps its units of the SKU and backorders the rest. */
function partlyCovered(line: LineAllocation, substitutes: SubstituteAllocation[], substituted: number): LineAllocation {
  const backordered = line.backordered + line.substituted - substituted;
  // A line left with no substitute no longer says one covers it, nor one with a backorder that it is served in full.
  const drop: ReasonCode[] = [...(substituted > 0 ? [] : SUBSTITUTE_REASONS), ...(backordered > 0 ? (['fully-served'] as const) : [])];
  return { ...line, substitutes, substituted, backordered, reasons: reasonsWith(line.reasons, drop, []) };
}

/**
 * An all-or-nothing line the substitutes no longer complete, as the engine leaves one that does not fit: the pool's
 * units go back, what its segment strategy kept of its confirmation stays (confirmations are not all-or-nothing's
 * to take), and the rest is backordered.
 */
function skipped(line: LineAllocation, confirmed: number): LineAllocation {
  const allocated = Math.min(confirmed, line.allocated);
  const drop: ReasonCode[] = [...SUBSTITUTE_REASONS, 'fully-served', 'confirmation-won', ...(allocated > 0 ? [] : (['urgent-before-eta'] as const))];
  return { ...line, allocated, substitutes: [], substituted: 0, backordered: line.requested - allocated, reasons: reasonsWith(line.reasons, drop, ['all-or-nothing-skipped']) };
}

/** `reasons` without `drop` and with `add`, in REASON_CODES order as the engine lists them. */
function reasonsWith(reasons: readonly ReasonCode[], drop: readonly ReasonCode[], add: readonly ReasonCode[]): ReasonCode[] {
  const set = new Set(reasons);
  for (const code of drop) set.delete(code);
  for (const code of add) set.add(code);
  return REASON_CODES.filter((code) => set.has(code));
}
