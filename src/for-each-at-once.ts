// Bounded concurrency over a list: what the activities' batch writes and the mailer's batch delivery share.

/**
 * Runs `work` over the items, at most `limit` at a time (at least one). After a failure no new item is started;
 * the ones in flight finish, then the first failure is thrown.
 */
export async function forEachAtOnce<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
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
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
}
