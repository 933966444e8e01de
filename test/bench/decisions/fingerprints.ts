// Fingerprints of the engine's plans on the bench's crises, one per preset and rules version: a change
// meant to alter no decision (a speed-up, a refactoring) must leave every one as recorded in
// fingerprints.json. A change that alters decisions on purpose records them again
// (`npm run bench -- decisions --record-fingerprints`) and says why in its commit; rules version 1 never
// changes, its incidents keep their plans.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AllocationPlan } from '../../../src/allocation/types';

const RECORD = new URL('./fingerprints.json', import.meta.url);

export const planDigest = (plan: AllocationPlan) => createHash('sha256').update(JSON.stringify(plan)).digest('hex');

/** Collects the plans' digests in crisis order, one list per preset and rules version. */
export class Fingerprints {
  private readonly digests = new Map<string, string[]>();

  add(column: string, plan: AllocationPlan, rulesVersion: number): void {
    const key = `${column} v${rulesVersion}`;
    this.digests.set(key, [...(this.digests.get(key) ?? []), planDigest(plan)]);
  }

  private combined(): Record<string, string> {
    return Object.fromEntries([...this.digests].map(([key, list]) => [key, createHash('sha256').update(list.join('\n')).digest('hex')]));
  }

  /** Each preset and version as recorded, or what differs; `record` writes the current ones instead. */
  check(record: boolean): Record<string, string> {
    const now = this.combined();
    if (record) {
      writeFileSync(RECORD, `${JSON.stringify(now, null, 2)}\n`);
      return Object.fromEntries(Object.keys(now).map((key) => [`fingerprint ${key}`, 'recorded']));
    }
    const recorded = JSON.parse(readFileSync(RECORD, 'utf8')) as Record<string, string>;
    return Object.fromEntries(
      [...new Set([...Object.keys(recorded), ...Object.keys(now)])].map((key) => [
        `fingerprint ${key}`,
        recorded[key] === now[key] ? 'unchanged' : `CHANGED (recorded ${recorded[key]?.slice(0, 12) ?? 'none'}, now ${now[key]?.slice(0, 12) ?? 'none'})`,
      ]),
    );
  }
}
