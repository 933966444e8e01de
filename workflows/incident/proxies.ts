// The incident's activities as its workflow calls them: every timeout and retry in one place.
//
// Each request to the inventory system or CRM is already resent by its HTTP client (src/http/client.ts):
// SYSTEMS_TIMEOUT_MS (5 s) per request, SYSTEMS_RETRY_ATTEMPTS (5) with backoff, inside
// SYSTEMS_RETRY_BUDGET_MS (60 s) per call, heartbeating while it waits. An activity attempt fails only when
// one call failed all of that, and activities that make many writes keep what they finished in their
// heartbeat details (activities/progress.ts), so every attempt gets further than the last.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../activities';

type Activities = ReturnType<typeof createActivities>;

// Retried with backoff (2 s doubling to 1 min) for up to an hour: a system's bad minutes, or a restart, are
// ridden out without a person. Only what retries cannot fix — bad data, a refusal, an hour of outage — parks
// the stage in "needs attention". Non-retryable failures park at once.
const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' };
const scheduleToCloseTimeout = '1h';

// Reads and single writes: a few calls, so 2 min (a call's budget of 60 s plus one last 5 s request, with
// room) ends an attempt stuck on a worker that died.
export const acts = proxyActivities<Activities>({ startToCloseTimeout: '2m', scheduleToCloseTimeout, retry });
// Paging through a large demand book, a batch of writes or emails: up to 15 min, with heartbeats — sent
// before every resend and after every finished write — so a lost worker is noticed within a minute. A hung
// request is abandoned after 5 s, well inside that minute.
export const longActs = proxyActivities<Activities>({ startToCloseTimeout: '15m', heartbeatTimeout: '1m', scheduleToCloseTimeout, retry });
