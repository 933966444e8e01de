// One JSON call to an endpoint with undici's request() over the process's one keep-alive Agent (global fetch's web
// streams cost a CPU-bound worker more than the call itself): a timeout on each request, the reply validated
// against the endpoint's schema, every failure classified by ./errors. The timeout counts the time this process could have
// read a reply: a stall of its own event loop (a CPU-bound step of another activity on the worker) does not make
// a reply that came in meanwhile look like a hung server, so the timeout can be short. With a retry policy, a call whose failure may pass
// (5xx, 408, 429, timeout, connection error) is sent again a few times with jittered exponential backoff,
// honouring Retry-After, within a total budget: every write carries an idempotency key, so a resent write is
// applied once. A refusal (other 4xx, and 3xx: our systems' APIs never redirect) or a reply that breaks the contract stops at once.
import { ApplicationFailure } from '@temporalio/common';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import type { Endpoint, Reply } from './endpoint';
import { fillPath } from './endpoint';
import { issuesOf } from '../validation/issues';
import { invalidReplyFailure, invalidRequestFailure, replyFailure, unreachableFailure } from './errors';

export interface RetryPolicy {
  /** Requests per call, the first included. */
  attempts: number;
  /** The wait before the first resend; each later one doubles, drawn at random from its upper half. */
  baseDelayMs: number;
  /** A call gives up when the next wait would end past this much time since it began. */
  budgetMs: number;
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Per request: a request without a reply by then is abandoned (and, with a retry policy, sent again). */
  timeoutMs: number;
  /** Without one, each call is one request and its caller retries. */
  retry?: RetryPolicy;
  /** Called before each resend and while waiting for it, e.g. to heartbeat the activity the call runs in. */
  heartbeat?: () => void;
  /** Called once per resend, e.g. to count the retries a stage needed. */
  onRetry?: () => void;
}

export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export type Caller = <E extends Endpoint>(name: string, endpoint: E, input?: CallInput) => Promise<Reply<E>>;

/** What a client method that passes its one argument on gives its endpoint: the body, else the query. */
export type PassedOn<E extends Endpoint> = E extends { body: z.ZodType } ? z.input<E['body']> : E extends { query: z.ZodObject } ? z.input<E['query']> : void;

/** Client methods named as their endpoints, each passing its one argument on as the endpoint's body or query, unchanged. */
export function passingOn<A extends Record<string, Endpoint>, const K extends keyof A & string>(
  call: Caller,
  api: A,
  names: readonly K[],
): { [N in K]: (input: PassedOn<A[N]>) => Promise<Reply<A[N]>> } {
  const method = (name: K) => {
    const endpoint: Endpoint = api[name]!;
    return (input: unknown) => call(name, endpoint, endpoint.body ? { body: input } : { query: input as CallInput['query'] });
  };
  return Object.fromEntries(names.map((name) => [name, method(name)])) as { [N in K]: (input: PassedOn<A[N]>) => Promise<Reply<A[N]>> };
}

/** A wait never outlasts this, so a long one still heartbeats often. */
const HEARTBEAT_EVERY_MS = 5_000;
/** Backoff stops growing here; a longer Retry-After is still honoured within the budget. */
const MAX_BACKOFF_MS = 10_000;

// One Agent for every caller in the process: it keeps a pool per origin, so the callers to one system share its
// connections instead of opening a pool each. Its idle connections do not hold the process open; a process that
// shuts down closes them. Made on first use, and again after a close.
let shared: Agent | undefined;

/** Closes the connections every caller shares, once the requests in flight are answered; a later call opens new ones. */
export async function closeHttpConnections(): Promise<void> {
  const agent = shared;
  shared = undefined;
  await agent?.close();
}

export function createCaller(system: string, options: HttpClientOptions): Caller {
  const { baseUrl, timeoutMs } = options;
  const base = baseUrl.replace(/\/+$/, '');
  const policy = options.retry ?? { attempts: 1, baseDelayMs: 0, budgetMs: 0 };
  const heartbeat = options.heartbeat ?? (() => {});

  async function once<E extends Endpoint>(name: string, endpoint: E, url: URL, input: CallInput): Promise<Reply<E>> {
    let status: number;
    let payload: unknown;
    const deadline = replyDeadline(timeoutMs);
    try {
      const response = await request(url, {
        dispatcher: (shared ??= new Agent()),
        method: endpoint.method,
        headers: input.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
        signal: deadline.signal,
      });
      status = response.statusCode;
      // Read in full on every status: an unread body would keep its connection from being reused.
      const text = await response.body.text();
      payload = parseJson(text);
      if (status < 200 || status > 299) throw withRetryAfter(replyFailure(system, name, status, payload), response.headers['retry-after']);
    } catch (error) {
      if (error instanceof ApplicationFailure) throw error;
      throw unreachableFailure(system, name, error, timeoutMs);
    } finally {
      deadline.clear();
    }
    if (payload === NOT_JSON) throw invalidReplyFailure(system, name, [{ path: 'reply', message: 'is not JSON' }]);
    const parsed = endpoint.reply.safeParse(payload);
    if (!parsed.success) throw invalidReplyFailure(system, name, issuesOf(parsed.error, 'reply'));
    return parsed.data as Reply<E>;
  }

  return async (name, endpoint, input = {}) => {
    let url: URL;
    try {
      url = new URL(base + fillPath(endpoint.path, input.params));
    } catch (error) {
      throw invalidRequestFailure(system, name, error);
    }
    for (const [key, value] of Object.entries(input.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const began = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(name, endpoint, url, input);
      } catch (error) {
        if (!(error instanceof ApplicationFailure) || error.nonRetryable || attempt >= policy.attempts) throw error;
        const wait = Math.max(retryAfterOf(error) ?? 0, backoff(policy.baseDelayMs, attempt));
        if (Date.now() - began + wait > policy.budgetMs) throw error;
        options.onRetry?.();
        await pause(wait, heartbeat);
      }
    }
  };
}

/** How often the deadlines look at the clock; a tick later than two of these means the event loop was blocked. */
const DEADLINE_TICK_MS = 100;

interface Deadline {
  ms: number;
  /** Time the event loop was free since the request was sent. */
  waited: number;
  last: number;
  controller: AbortController;
}

/** Every request in flight in this process, all looked at by one ticker rather than a timer each. */
const deadlines = new Set<Deadline>();
let ticker: NodeJS.Timeout | undefined;

function tick(): void {
  const now = performance.now();
  for (const deadline of deadlines) {
    deadline.waited += Math.min(now - deadline.last, 2 * DEADLINE_TICK_MS);
    deadline.last = now;
    if (deadline.waited < deadline.ms) continue;
    forget(deadline);
    deadline.controller.abort(new DOMException(`no reply within ${deadline.ms} ms`, 'TimeoutError'));
  }
}

function forget(deadline: Deadline): void {
  deadlines.delete(deadline);
  if (deadlines.size > 0 || ticker === undefined) return;
  clearInterval(ticker);
  ticker = undefined;
}

/**
 * Aborts (as a TimeoutError) once `ms` of time the event loop was free has passed: of a blocked stretch, only the
 * tick it should have taken counts. A reply that arrived while the process was busy is read, not abandoned.
 */
function replyDeadline(ms: number): { signal: AbortSignal; clear(): void } {
  const deadline: Deadline = { ms, waited: 0, last: performance.now(), controller: new AbortController() };
  deadlines.add(deadline);
  // Unref'd: a pending request holds the process open by its socket, so the ticker need not.
  ticker ??= setInterval(tick, DEADLINE_TICK_MS).unref();
  return { signal: deadline.controller.signal, clear: () => forget(deadline) };
}

/** Exponential backoff with jitter: the n-th wait is drawn from [d/2, d] with d = base × 2^(n−1), capped. */
function backoff(baseDelayMs: number, attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Waits, heartbeating at the start and every few seconds, so a long Retry-After does not look like a stuck worker. */
async function pause(ms: number, heartbeat: () => void): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    heartbeat();
    const left = until - Date.now();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, HEARTBEAT_EVERY_MS)));
  }
}

const RETRY_AFTER = Symbol('retry-after ms');

/** Keeps the server's Retry-After (seconds or an HTTP date, RFC 9110 §10.2.3) on the failure, in ms. */
function withRetryAfter(failure: ApplicationFailure, values: string | string[] | undefined): ApplicationFailure {
  if (values === undefined) return failure;
  // Repeated headers read as one, as fetch's Headers.get joins them.
  const header = Array.isArray(values) ? values.join(', ') : values;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (Number.isFinite(ms)) Object.assign(failure, { [RETRY_AFTER]: Math.max(0, ms) });
  return failure;
}

function retryAfterOf(error: ApplicationFailure): number | undefined {
  return (error as ApplicationFailure & { [RETRY_AFTER]?: number })[RETRY_AFTER];
}

const NOT_JSON = Symbol('not JSON');
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
