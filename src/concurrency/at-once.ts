// A bounded number of tasks at once: writes inside an activity, and batch activities inside a workflow (no
// I/O or Node built-ins here, so the workflow bundle may import it).

/** Runs `work` over the items, at most `limit` at a time; the first failure is thrown once those in flight end. */
export async function forEachAtOnce<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
