// The policies a planner can pick for a what-if without writing one: the deployment's own and a few
// variants of it that answer the usual questions (what if priority alone decided, what if the split were
// flatter, what if no substitutes were offered). An edited policy is parsed by the same schema as any other.
import type { Policy } from '../allocation/policy';

export interface WhatIfPolicy {
  label: string;
  /** The deployment's policy with these changes. */
  changes: (policy: Policy) => Partial<Policy>;
}

export const WHAT_IF_POLICIES = {
  'strict-priority': { label: 'Strict priority (no fair-share floor, no concentration cap)', changes: () => ({ name: 'strict-priority', floorPercent: 0, capPercent: 100 }) },
  flatter: {
    label: 'Flatter split (higher floor, tighter cap)',
    changes: (p) => ({ name: 'flatter-split', floorPercent: Math.min(100, p.floorPercent + 20), capPercent: Math.max(1, Math.round(p.capPercent / 2)) }),
  },
  'no-substitutes': { label: 'No substitutes', changes: (p) => ({ name: 'no-substitutes', substitutes: { ...p.substitutes, enabled: false } }) },
  configured: { label: "The deployment's policy", changes: () => ({}) },
} as const satisfies Record<string, WhatIfPolicy>;
export type WhatIfPreset = keyof typeof WHAT_IF_POLICIES;
