// One JSON call to an endpoint with global fetch: a timeout on the whole exchange, the reply validated
// against the endpoint's schema, every failure classified by ./errors.
import { ApplicationFailure } from '@temporalio/common';
import type { Endpoint, Reply } from './endpoint';
import { fillPath } from './endpoint';
import { issuesOf } from '../validation/issues';
import { invalidReplyFailure, invalidRequestFailure, replyFailure, unreachableFailure } from './errors';

export interface HttpClientOptions {
  baseUrl: string;
  timeoutMs: number;
}

export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export type Caller = <E extends Endpoint>(name: string, endpoint: E, input?: CallInput) => Promise<Reply<E>>;

export function createCaller(system: string, { baseUrl, timeoutMs }: HttpClientOptions): Caller {
  const base = baseUrl.replace(/\/+$/, '');
  return async (name, endpoint, input = {}) => {
    let url: URL;
    try {
      url = new URL(base + fillPath(endpoint.path, input.params));
    } catch (error) {
      throw invalidRequestFailure(system, name, error);
    }
    for (const [key, value] of Object.entries(input.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    let status: number;
    let payload: unknown;
    try {
      const response = await fetch(url, {
        method: endpoint.method,
        headers: input.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      const text = await response.text();
      payload = parseJson(text);
      if (!response.ok) throw replyFailure(system, name, status, payload);
    } catch (error) {
      if (error instanceof ApplicationFailure) throw error;
      throw unreachableFailure(system, name, error, timeoutMs);
    }
    if (payload === NOT_JSON) throw invalidReplyFailure(system, name, [{ path: 'reply', message: 'is not JSON' }]);
    const parsed = endpoint.reply.safeParse(payload);
    if (!parsed.success) throw invalidReplyFailure(system, name, issuesOf(parsed.error, 'reply'));
    return parsed.data as Reply<typeof endpoint>;
  };
}

const NOT_JSON = Symbol('not JSON');
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
