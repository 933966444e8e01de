// What an activity attempt finished, kept in its heartbeat details so a retried attempt starts after it
// (`info.heartbeatDetails` on the next attempt), and how many retries the work needed. A heartbeat replaces
// the details the server keeps, so every heartbeat of an activity goes through `beat`, which re-sends them.
import { Context } from '@temporalio/activity';

interface Tracked {
  /** Finished writes by subject, with what each returned; undefined until this attempt finished one. */
  done?: Record<string, unknown>;
  /** Requests the HTTP clients sent again during this attempt. */
  resent: number;
  /** Heartbeats come from the `heartbeating` timer, not from every finished write. */
  ticking?: boolean;
}

const tracked = new WeakMap<Context, Tracked>();

function current(): { context: Context; own: Tracked } | null {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return null;
  }
  let own = tracked.get(context);
  if (!own) tracked.set(context, (own = { resent: 0 }));
  return { context, own };
}

/** What an earlier attempt recorded: an object of finished subjects, or nothing. */
function earlier(context: Context): Record<string, unknown> {
  const details: unknown = context.info.heartbeatDetails;
  return details !== null && typeof details === 'object' && !Array.isArray(details) ? (details as Record<string, unknown>) : {};
}

/** Heartbeats the activity the caller runs in, carrying its progress; outside an activity it does nothing. */
export function beat(): void {
  const at = current();
  if (!at) return;
  at.context.heartbeat(at.own.done ?? earlier(at.context));
}

/**
 * How often a batch activity heartbeats while it runs, whatever it is waiting for (the mail rate, a slow
 * request): a tenth of the batch heartbeat timeout (workflows/incident/proxies.ts), so only a dead process misses it.
 */
export const BATCH_HEARTBEAT_MS = 1000;

/**
 * Runs a batch activity's work, heartbeating (with its progress) every BATCH_HEARTBEAT_MS until it settles.
 * A hung call is still bounded by its own timeout (HTTP 2 s, SMTP socket 30 s) and the attempt's start-to-close.
 */
export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const at = current();
  if (at) at.own.ticking = true;
  beat();
  const timer = setInterval(beat, BATCH_HEARTBEAT_MS);
  try {
    return await work();
  } catch (error) {
    // The next attempt goes on from every write this one finished, not from the last beat.
    beat();
    throw error;
  } finally {
    clearInterval(timer);
  }
}

/** Counts one request the HTTP clients sent again (their `onRetry`); outside an activity it does nothing. */
export function countResend(): void {
  const at = current();
  if (at) at.own.resent += 1;
}

/** What a stage activity's result carries when it needed retries. */
export interface Retried {
  retries?: number;
}

/**
 * Retries the activity needed so far: earlier attempts, and requests resent in this one. Stage activities
 * return it (when there were any) so the incident's timeline can say so.
 */
export function retriesSoFar(): Retried {
  const at = current();
  const retries = at ? at.context.info.attempt - 1 + at.own.resent : 0;
  return retries > 0 ? { retries } : {};
}

export interface Progress<T> {
  /** What the write about `subject` returned, when this or an earlier attempt finished it. */
  get(subject: string): T | undefined;
  has(subject: string): boolean;
  /** Records a finished write (heartbeating it to the server, at once or with the next beat); a retried attempt will skip it. */
  finish(subject: string, result: T): void;
}

/**
 * The writes this activity finished across its attempts, by subject (the part of the idempotency key that
 * names what is written). Skipping them is only a saving: the writes are idempotent, so a progress record
 * lost with a crashed worker costs a repeat, never a second effect.
 */
export function progress<T = true>(): Progress<T> {
  const at = current();
  const done: Record<string, unknown> = { ...(at ? earlier(at.context) : {}) };
  if (at) at.own.done = done;
  return {
    get: (subject) => done[subject] as T | undefined,
    has: (subject) => subject in done,
    finish(subject, result) {
      done[subject] = result;
      // Each heartbeat serializes every finished subject: under the timer's beat, a write does not add one of
      // its own (thousands of writes would cost thousands of copies), and the worker sends at most one a second anyway.
      if (!at?.own.ticking) at?.context.heartbeat(done);
    },
  };
}

export type Once = (subject: string, write: () => Promise<unknown>) => Promise<void>;

/** Runs each write once across the activity's attempts: what an earlier attempt finished is not written again (writes are keyed by subject). */
export function written(): Once {
  const done = progress();
  return async (subject, write) => {
    if (done.has(subject)) return;
    await write();
    done.finish(subject, true);
  };
}
