// The incident's activities as its workflow calls them: every timeout and retry in one place.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../activities';

type Activities = ReturnType<typeof createActivities>;

// Reads and single writes: quick, retried with backoff for about ten minutes, then the stage parks in
// "needs attention" for a person instead of retrying forever. Bad data is non-retryable and parks at once.
const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 12 };
export const acts = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry });
// Paging through a large demand book or a whole batch of emails: longer, with heartbeats to notice a stuck worker.
export const longActs = proxyActivities<Activities>({ startToCloseTimeout: '15m', heartbeatTimeout: '1m', retry });
