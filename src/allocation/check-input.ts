// Bad input to the engine gets an error that names the line, customer, substitute or override at fault,
// before anything is computed. A plain loop over typed fields: a million lines are checked in one pass,
// and the first fault in input order is the one named.
import { isIsoDate } from './dates';
import type { LineIndex } from './line-index';
import type { AllocationInput } from './types';

export class AllocationInputError extends Error {
  override name = 'AllocationInputError';
}

function need(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AllocationInputError(message);
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const isPositiveCount = (n: number) => Number.isSafeInteger(n) && n >= 1;

export function checkInput(input: AllocationInput, index: LineIndex): void {
  need(isCount(input.pool), `pool: must be a whole number ≥ 0, got ${input.pool}`);
  need(isIsoDate(input.asOf), `asOf: must be a date YYYY-MM-DD, got '${input.asOf}'`);

  const stages = new Set(input.policy.stages.map((s) => s.name));
  const customers = new Set<string>();
  for (const c of input.customers) {
    need(!customers.has(c.customerId), `customer ${c.customerId}: listed twice`);
    customers.add(c.customerId);
    need(stages.has(c.stage), `customer ${c.customerId}: stage '${c.stage}' is not in policy ${input.policy.name} (${[...stages].join(', ')})`);
    if (c.reportedOnHand) {
      const { quantity, dailyUsage } = c.reportedOnHand;
      need(Number.isFinite(quantity) && quantity >= 0, `customer ${c.customerId}: reportedOnHand.quantity must be ≥ 0`);
      need(Number.isFinite(dailyUsage) && dailyUsage >= 0, `customer ${c.customerId}: reportedOnHand.dailyUsage must be ≥ 0`);
    }
  }

  const restock = input.alreadyReceived !== undefined;
  const twice = firstRepeat(input, index.idOrder);
  const overridden = new Map((input.overrides ?? []).map((o) => [o.lineId, undefined as number | undefined]));
  for (let i = 0; i < input.lines.length; i++) {
    const l = input.lines[i]!;
    const fault = lineFault(input, l, i, i === twice, restock, index);
    if (fault !== undefined) throw new AllocationInputError(fault);
    if (overridden.size > 0 && overridden.has(l.lineId)) overridden.set(l.lineId, l.quantity);
  }

  const substitutes = new Set<string>();
  for (const s of input.substitutes) {
    const at = `substitute ${s.sku}`;
    need(s.sku !== input.sku && !substitutes.has(s.sku), `${at}: listed twice or the short SKU itself`);
    substitutes.add(s.sku);
    need(Number.isFinite(s.ratio) && s.ratio > 0, `${at}: ratio must be a number > 0, got ${s.ratio}`);
    need(isCount(s.available), `${at}: available must be a whole number ≥ 0, got ${s.available}`);
    need(isPositiveCount(s.packSize), `${at}: packSize must be a whole number ≥ 1, got ${s.packSize}`);
    need(Number.isFinite(s.priceDelta), `${at}: priceDelta must be a number`);
  }

  const seen = new Set<string>();
  for (const o of input.overrides ?? []) {
    const at = `override for line ${o.lineId}`;
    const requested = overridden.get(o.lineId);
    need(requested !== undefined, `${at}: no such line in the plan`);
    need(!seen.has(o.lineId), `${at}: given twice`);
    seen.add(o.lineId);
    need(isCount(o.allocate), `${at}: allocate must be a whole number ≥ 0, got ${o.allocate}`);
    need(o.allocate <= requested, `${at}: ${o.allocate} units exceed the line's request of ${requested}`);
  }

  for (const [customerId, units] of Object.entries(input.alreadyReceived ?? {})) {
    need(isCount(units), `alreadyReceived.${customerId}: must be a whole number ≥ 0, got ${units}`);
  }
}

/**
 * What is wrong with line `i`, the first fault found; undefined when nothing is. Messages are built only for
 * a fault, and nothing is made per line (no closure, no string): a million lines are checked without garbage.
 */
function lineFault(input: AllocationInput, l: AllocationInput['lines'][number], i: number, twice: boolean, restock: boolean, index: LineIndex): string | undefined {
  if (!(l.lineId.length > 0)) return 'line: lineId must not be empty';
  if (twice) return `line ${l.lineId}: listed twice`;
  if (l.sku !== input.sku) return `line ${l.lineId}: sku ${l.sku} is not the SKU being allocated (${input.sku})`;
  if (index.owner[i] === -1) return `line ${l.lineId}: customer ${l.customerId} has no profile`;
  if (!isCount(l.quantity)) return `line ${l.lineId}: quantity must be a whole number ≥ 0, got ${l.quantity}`;
  if (!isCount(l.confirmedQuantity)) return `line ${l.lineId}: confirmedQuantity must be a whole number ≥ 0, got ${l.confirmedQuantity}`;
  if (!(l.confirmedQuantity <= l.quantity)) return `line ${l.lineId}: confirmedQuantity ${l.confirmedQuantity} exceeds quantity ${l.quantity}`;
  // A restock round's lines are open backorders: nothing was reserved for them before the incident.
  if (restock && l.confirmedQuantity !== 0) return `line ${l.lineId}: confirmedQuantity must be 0 in a restock round (its lines are open backorders), got ${l.confirmedQuantity}`;
  if (!isPositiveCount(l.packSize)) return `line ${l.lineId}: packSize must be a whole number ≥ 1, got ${l.packSize}`;
  if (Number.isNaN(index.requestedDay[i])) return `line ${l.lineId}: requestedDate must be a date YYYY-MM-DD, got '${l.requestedDate}'`;
  if (Number.isNaN(index.orderDay[i])) return `line ${l.lineId}: orderDate must be a date YYYY-MM-DD, got '${l.orderDate}'`;
  if (!(Number.isFinite(l.unitPrice) && l.unitPrice >= 0)) return `line ${l.lineId}: unitPrice must be a number ≥ 0`;
  if (!Number.isFinite(l.unitMargin)) return `line ${l.lineId}: unitMargin must be a number`;
  return undefined;
}

/** The index of the first line whose id an earlier line already has; -1 when every id is unique. */
function firstRepeat(input: AllocationInput, idOrder: Uint32Array): number {
  let first = -1;
  for (let k = 0; k < idOrder.length; ) {
    // A run of equal ids: its second smallest index is where the id is listed twice.
    let end = k + 1;
    while (end < idOrder.length && input.lines[idOrder[end]!]!.lineId === input.lines[idOrder[k]!]!.lineId) end++;
    if (end - k > 1) {
      const at = [...idOrder.subarray(k, end)].sort((a, b) => a - b)[1]!;
      if (first === -1 || at < first) first = at;
    }
    k = end;
  }
  return first;
}
