// Recorded histories are kept in test/histories and replayed against the current workflow code, so a
// change that would break running incidents (non-determinism) fails the build.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';

export const HISTORIES_DIR = new URL('../histories/', import.meta.url).pathname;

/** Saves a finished workflow's history under a scenario name (overwrites: re-recording is deliberate). */
export async function recordHistory(handle: WorkflowHandle, scenario: string): Promise<void> {
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${scenario}.json`), historyToJSON(await handle.fetchHistory()));
}

export function recordedScenarios(): string[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** A recorded history, as the replayer takes it. */
export function recordedHistory(scenario: string): temporal.api.history.v1.IHistory {
  return historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, `${scenario}.json`), 'utf8')));
}

/** Replays one recorded history; throws DeterminismViolationError when the code no longer matches it. */
export async function replayRecorded(scenario: string): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, recordedHistory(scenario), scenario);
}
