// The plans of the decision bench's first twelve crises, digested per policy and rules version, as recorded
// before the engine's speed work: a change meant to alter no decision leaves every digest as it is. Rules
// versions 1 to 4 never change (incidents planned under them keep their plans); a deliberate change to the
// newest version records its new digests here and says why. The bench checks all 240 crises (decisions/fingerprints.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../src/allocation/engine';
import { parsePolicy, type PolicyInput } from '../../src/allocation/policy';
import { crises } from '../bench/decisions/crises';

const PRESETS: Record<string, PolicyInput> = { default: {}, strict: { floorPercent: 0, capPercent: 100 }, proportional: { floorPercent: 100, capPercent: 100 } };

const RECORDED: Record<string, string> = {
  'v1 default': '34560480fffcd3e217a58236959723cd1a941bdaf449a606bbfc4cef26b3cb1f',
  'v1 strict': 'a82394fe747f9ae9dc12d10171919669e7662b1b82c85b13e6a5ecda860252a0',
  'v1 proportional': 'ea3296a9b680316168b5475ef734abf47e62d7ffd29c8cebe56f6c05a7cbc248',
  'v2 default': '4ce5f81bb4cb1ed0d2f34e7b5e1df93d0da573589934b948c9a7ea65e4ad1b90',
  'v2 strict': 'a5cfbf6a8d891ac1a3e223e2f05016c8d637ccc86299954f7a26ab5b92218292',
  'v2 proportional': 'af829a5b6dfac0864765b8e0f46ad0356ce4110815148bcd16373761b637c324',
  'v3 default': '4ce5f81bb4cb1ed0d2f34e7b5e1df93d0da573589934b948c9a7ea65e4ad1b90',
  'v3 strict': 'a5cfbf6a8d891ac1a3e223e2f05016c8d637ccc86299954f7a26ab5b92218292',
  'v3 proportional': '0cf6e0c64515284434a6eceef9e73f77fb6c5e99a492af3b7422bb1d1a310b98',
  // Version 4 changes only situations these crises do not have (a critical customer short of everyone's first pack).
  'v4 default': '4ce5f81bb4cb1ed0d2f34e7b5e1df93d0da573589934b948c9a7ea65e4ad1b90',
  'v4 strict': 'a5cfbf6a8d891ac1a3e223e2f05016c8d637ccc86299954f7a26ab5b92218292',
  'v4 proportional': '0cf6e0c64515284434a6eceef9e73f77fb6c5e99a492af3b7422bb1d1a310b98',
  // Version 5 takes back kept confirmations for the critical class, lifts each priority class to one fill rate, and lets a critical first pack pass the cap.
  'v5 default': '9e13c28a83110d77bb6ea58ecad0b4f4149dcc760cef125cba6106a6a351a374',
  'v5 strict': 'ec22e62e62ae89ddcebe7f6a38e570a2ee22ae292d4fd238b12e4abb2f04d8e5',
  'v5 proportional': 'ddfcf28191c99179c9f67858e0a19ef14c3ed0de7ab284b95abfaa393b70d6c4',
};

describe('plans of seeded crises, byte for byte', () => {
  const seeded = crises(12);
  for (const rulesVersion of [1, 2, 3, 4, 5] as const) {
    for (const [name, changes] of Object.entries(PRESETS)) {
      it(`rules version ${rulesVersion}, ${name} policy: as recorded`, () => {
        const policy = parsePolicy({ ...changes, rulesVersion });
        const digest = createHash('sha256');
        for (const crisis of seeded) digest.update(JSON.stringify(allocate({ ...crisis.input, policy })));
        expect(digest.digest('hex')).toBe(RECORDED[`v${rulesVersion} ${name}`]);
      });
    }
  }
});
