// The incident's activities as its workflow calls them: every timeout and retry in one place.
//
// Each request to the inventory system or CRM is already resent by its HTTP client (src/http/client.ts):
// SYSTEMS_TIMEOUT_MS (1.5 s) per request, SYSTEMS_RETRY_ATTEMPTS (8) with backoff, inside
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

// Reads and single writes: a few calls, so 2 min (a call's budget of 60 s plus one last 2 s request, with
// room) ends an attempt stuck on a worker that died.
export const acts = proxyActivities<Activities>({ startToCloseTimeout: '2m', scheduleToCloseTimeout, retry });
// Paging through a large demand book, planning, composing notices: up to 15 min, with heartbeats — sent
// before every resend and after every finished write — so a lost worker is noticed within a minute. A minute,
// because their CPU-bound steps (the engine, composing thousands of notices) cannot heartbeat while they run.
// A hung request is abandoned after 2 s, well inside that minute.
export const longActs = proxyActivities<Activities>({ startToCloseTimeout: '15m', heartbeatTimeout: '1m', scheduleToCloseTimeout, retry });
// The batches — commit, notices and digests, restock rounds — heartbeat every second while they run
// (activities/progress.ts `heartbeating`, BATCH_HEARTBEAT_MS), and the worker passes each heartbeat on within a
// second (workers/incident-worker.ts, HEARTBEAT_THROTTLE): 10 s is ten missed beats, which a slow system or the
// mail rate never causes (they do not stop the timer) and an event-loop pause of a few seconds survives; only a
// dead worker does. Its batch is then retried 2 s later (the first retry interval): at most ~12 s after the
// kill, so within 15 s of a new worker starting, however soon it starts.
export const batchActs = proxyActivities<Activities>({ startToCloseTimeout: '15m', heartbeatTimeout: '10s', scheduleToCloseTimeout, retry });
