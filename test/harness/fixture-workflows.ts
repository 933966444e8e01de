import { sleep } from '@temporalio/workflow';

/** Waits one simulated day: proves the time-skipping server skips instead of waiting. */
export async function waitOneDay(): Promise<string> {
  await sleep('1 day');
  return 'a day later';
}
