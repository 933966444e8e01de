// What the files of whole-incident scenarios share: one time-skipping server and environment per
// file, a fresh world per test, and the real activities with some of them (or their dependencies) changed.
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities';
import { createWorld, type World } from '../incident/world';
import { connectTimeSkipping } from './temporal';

export type Activities = ReturnType<typeof createActivities>;
export type WorldOptions = NonNullable<Parameters<typeof createWorld>[1]>;

/**
 * Registers the file's (or the describe block's) hooks; `open` gives the running test its world, closed after
 * the test even when it fails: a workflow left waiting would block time skipping for every later test.
 */
export function timeSkippingWorlds(): { open(options?: WorldOptions): Promise<World> } {
  let env: TestWorkflowEnvironment | undefined;
  let world: World | undefined;
  beforeAll(async () => {
    env = await connectTimeSkipping();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return {
    async open(options) {
      if (!env) throw new Error('timeSkippingWorlds: open a world inside a test');
      world = await createWorld(env, options);
      return world;
    },
  };
}

/**
 * A world's worker activities: the real ones on the world's dependencies with `deps` changed, and those `replace`
 * returns in place of theirs (a replacement calls `real` for the real behaviour).
 */
export function activitiesWith(change: {
  deps?: Partial<ActivityDeps>;
  replace?: (real: Activities) => Partial<Activities>;
}): (deps: ActivityDeps) => Activities {
  return (deps) => {
    const real = createActivities({ ...deps, ...change.deps });
    return { ...real, ...change.replace?.(real) };
  };
}

/**
 * Worker activities in which `name` is refused for good (non-retryable, so the incident parks in "needs
 * attention") with `reason` until `fix()` is called, as a system refuses a write until a person fixes the data;
 * `refuse()` breaks it again.
 */
export function refusedUntilFixed<K extends keyof Activities>(
  name: K,
  reason: string,
): { workerActivities: (deps: ActivityDeps) => Activities; fix(): void; refuse(): void } {
  let refusing = true;
  return {
    workerActivities: activitiesWith({
      replace: (real) => {
        const write = real[name] as (...args: unknown[]) => Promise<unknown>;
        const refused = async (...args: unknown[]) => {
          if (refusing) throw ApplicationFailure.nonRetryable(reason, 'Rejected');
          return write(...args);
        };
        return { [name]: refused } as Partial<Activities>;
      },
    }),
    fix: () => {
      refusing = false;
    },
    refuse: () => {
      refusing = true;
    },
  };
}
