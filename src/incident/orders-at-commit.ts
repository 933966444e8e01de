// Orders lowered or cancelled between the assessment and the commit: the commit takes what a plan line still
// orders, not what it ordered when the plan was made (the inventory system refuses to commit more of a line
// than it orders). Pure.
import type { LineAllocation } from '../allocation/types';

/**
 * The plan line trimmed to `stillOrdered`, giving back in the order the inventory system gives back a lowered
 * line's commitments: backordered units first, then units of the SKU, then substitutes (whole, the last first;
 * what a dropped substitute covered beyond the excess is backordered). Null when the line fits as planned.
 */
export function trimmedToOrder(line: LineAllocation, stillOrdered: number): LineAllocation | null {
  let excess = line.allocated + line.substituted + line.backordered - stillOrdered;
  if (excess <= 0) return null;
  const fromBackorder = Math.min(line.backordered, excess);
  excess -= fromBackorder;
  const fromAllocated = Math.min(line.allocated, excess);
  excess -= fromAllocated;
  const substitutes = [...line.substitutes];
  while (excess > 0 && substitutes.length > 0) excess -= substitutes.pop()!.covers;
  const substituted = substitutes.reduce((sum, s) => sum + s.covers, 0);
  const allocated = line.allocated - fromAllocated;
  return { ...line, requested: stillOrdered, allocated, substitutes, substituted, backordered: stillOrdered - allocated - substituted };
}

/** The plan's lines with those that order less now trimmed (`stillOrdered` per changed line), and what that gave back. */
export function planAtCommit(lines: readonly LineAllocation[], stillOrdered: ReadonlyMap<string, number>): { lines: LineAllocation[]; trimmedLines: number; unitsGivenBack: number } {
  let trimmedLines = 0;
  let unitsGivenBack = 0;
  const trimmed = lines.map((line) => {
    const ordered = stillOrdered.get(line.lineId);
    const fitted = ordered === undefined ? null : trimmedToOrder(line, ordered);
    if (!fitted) return line;
    trimmedLines += 1;
    unitsGivenBack += line.requested - fitted.requested;
    return fitted;
  });
  return { lines: trimmed, trimmedLines, unitsGivenBack };
}
