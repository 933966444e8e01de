import { describe, expect, it } from 'vitest';
import { recordedScenarios, replayRecorded } from '../harness/replay';

// Every history under test/histories (recorded by the scenario tests with RECORD_HISTORIES=1) must still
// replay against today's workflow code. Loading them from JSON also guards the protobufjs dedupe.
describe('recorded histories replay against the current workflow code', () => {
  const scenarios = recordedScenarios();

  it('has recorded histories to replay', () => {
    expect(scenarios.length).toBeGreaterThan(0);
  });

  it.each(scenarios)('%s', async (scenario) => {
    await expect(replayRecorded(scenario)).resolves.toBeUndefined();
  });
});
