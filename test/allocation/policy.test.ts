// The allocation policy: defaults, partial policies, and bad policies refused with the field named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy-file';
import { DEFAULT_POLICY, PolicyError, parsePolicy, strategyFor, withPolicyChanges } from '../../src/allocation/policy';

const refusal = (raw: unknown) => {
  try {
    parsePolicy(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
};

describe('policy', () => {
  it('defaults to five relationship stages, highest priority last, and documented numbers', () => {
    expect(DEFAULT_POLICY.stages.map((s) => [s.name, s.priorityClass])).toEqual([
      ['exploratory', 1],
      ['basic', 2],
      ['cooperative', 3],
      ['interdependent', 4],
      ['integrated', 5],
    ]);
    expect(DEFAULT_POLICY).toMatchObject({ name: 'default', floorPercent: 30, capPercent: 40, approval: { severityThreshold: 'high', timeoutAction: 'escalate' } });
    expect(parsePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    // Plain JSON: it travels through Temporal payloads and files unchanged.
    expect(JSON.parse(JSON.stringify(DEFAULT_POLICY))).toEqual(DEFAULT_POLICY);
  });

  it('takes a partial policy and fills in the rest', () => {
    const p = parsePolicy({ name: 'strict', capPercent: 25, approval: { deadlineHours: 4 } });
    expect(p).toMatchObject({ name: 'strict', capPercent: 25, floorPercent: 30, approval: { deadlineHours: 4, severityThreshold: 'high' } });
  });

  it("lays a what-if's changes over the deployment's policy, keeping the rest of each part it changes", () => {
    const deployed = parsePolicy({ name: 'ours', capPercent: 25, rationing: { etaMarginDays: 5 } });
    const changed = parsePolicy(withPolicyChanges(deployed, { floorPercent: 10, rationing: { periodDays: 7 }, confirmations: { rules: [{ match: { critical: true }, strategy: 'win' }] } }));
    expect(changed).toMatchObject({ name: 'ours', capPercent: 25, floorPercent: 10, rationing: { etaMarginDays: 5, periodDays: 7, enabled: true } });
    // A list is replaced whole.
    expect(changed.confirmations).toEqual({ rules: [{ match: { critical: true }, strategy: 'win' }], defaultStrategy: 'redistribute' });
    expect(() => parsePolicy(withPolicyChanges(deployed, { capPercent: 0 }))).toThrow(/policy\.capPercent/);
    expect(() => parsePolicy(withPolicyChanges(deployed, [1, 2]))).toThrow(/policy/);
  });

  it('takes a company-specific set of stages', () => {
    const p = parsePolicy({
      stages: [
        { name: 'transactional', priorityClass: 1 },
        { name: 'preferred', priorityClass: 2 },
        { name: 'strategic', priorityClass: 3, personalHeadsUp: true, compensation: { kind: 'credit-percent', percent: 3 } },
        { name: 'partner', priorityClass: 3 },
      ],
      confirmations: { rules: [{ match: { stage: 'strategic' }, strategy: 'gain' }] },
    });
    expect(strategyFor(p, { stage: 'strategic', critical: false })).toBe('gain');
    expect(strategyFor(p, { stage: 'partner', critical: true })).toBe('redistribute');
  });

  it('refuses a bad policy naming each field', () => {
    expect(refusal({ capPercent: 150 })).toBe('policy.capPercent: must be ≤ 100');
    expect(refusal({ floorPercent: -1, slaDays: 0 })).toBe('policy.floorPercent: must be ≥ 0; policy.slaDays: must be ≥ 1');
    expect(refusal({ approval: { timeoutAction: 'ignore' } })).toMatch(/^policy\.approval\.timeoutAction: /);
    expect(refusal({ capPercnt: 40 })).toBe('policy: unknown field: capPercnt');
    expect(refusal({ stages: [{ name: 'a', priorityClass: 1 }] })).toMatch(/^policy\.stages: must list 4 to 8 stages; /);
    expect(refusal('not a policy')).toMatch(/^policy: /);
  });

  it('refuses duplicate stages and rules that name a stage the policy does not have', () => {
    const stages = ['a', 'b', 'c', 'a'].map((name, i) => ({ name, priorityClass: i }));
    expect(refusal({ stages, confirmations: { rules: [] } })).toBe("policy.stages.3.name: duplicate stage name 'a'");
    expect(refusal({ confirmations: { rules: [{ match: { stage: 'gold' }, strategy: 'win' }] } })).toBe(
      "policy.confirmations.rules.0.match.stage: unknown stage 'gold' (stages: exploratory, basic, cooperative, interdependent, integrated)",
    );
    // Own stages, default rules: the default rules name stages this policy does not have.
    expect(refusal({ stages: ['w', 'x', 'y', 'z'].map((name, i) => ({ name, priorityClass: i })) })).toMatch(
      /^policy\.confirmations\.rules\.1\.match\.stage: unknown stage 'integrated'/,
    );
  });

  it('refuses severity levels that are easier to reach than milder ones', () => {
    expect(refusal({ severity: { high: { shortageSharePercent: 5 } } })).toBe("policy.severity.high.shortageSharePercent: must be ≥ 10 (the medium level's)");
  });

  it('the first matching confirmation rule decides', () => {
    expect(strategyFor(DEFAULT_POLICY, { stage: 'integrated', critical: true })).toBe('win');
    expect(strategyFor(DEFAULT_POLICY, { stage: 'integrated', critical: false })).toBe('gain');
    expect(strategyFor(DEFAULT_POLICY, { stage: 'basic', critical: false })).toBe('redistribute');
  });
});

describe('policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('loads a policy file', () => {
    expect(loadPolicyFile(file('ok.json', JSON.stringify({ name: 'from-file', floorPercent: 20 })))).toMatchObject({ name: 'from-file', floorPercent: 20 });
  });

  it('names the file and the field when it is wrong', () => {
    const bad = file('bad.json', JSON.stringify({ capPercent: 101 }));
    expect(() => loadPolicyFile(bad)).toThrow(`policy file ${bad}: policy.capPercent: must be ≤ 100`);
    const broken = file('broken.json', '{ "name": ');
    expect(() => loadPolicyFile(broken)).toThrow(new RegExp(`^policy file ${broken}: not valid JSON`));
    expect(() => loadPolicyFile(join(dir, 'missing.json'))).toThrow(/cannot be read \(ENOENT\)/);
  });
});
