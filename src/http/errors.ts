// How failures of the inventory and CRM systems reach Temporal: one classification for every client.
// Unavailable (5xx, 408, 429, timeouts, connection errors) is retried; Rejected (other 4xx, carrying the
// server's message), InvalidReply (a reply that breaks the contract, naming the field) and InvalidRequest
// (a request the client cannot even build: a missing path parameter, a bad base URL) are not: retrying
// them cannot help. Activities rethrow these ApplicationFailures as they are.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeIssues, type Issue } from '../validation/issues';

export const INVALID_REPLY = 'InvalidReply';
export const INVALID_REQUEST = 'InvalidRequest';
export const REJECTED = 'Rejected';
export const UNAVAILABLE = 'Unavailable';
export type SystemErrorType = typeof INVALID_REPLY | typeof INVALID_REQUEST | typeof REJECTED | typeof UNAVAILABLE;

/** The JSON body of every error reply of every server: `issues` names each invalid field (`body.items.3.quantity`). */
export const ErrorBodySchema = z.object({
  error: z.string().meta({ description: 'What went wrong, naming the field, the record or the state that refused the request.' }),
  issues: z.array(z.object({ path: z.string().meta({ examples: ['body.items.3.quantity'] }), message: z.string() })).optional(),
});
export type ErrorBody = z.output<typeof ErrorBodySchema>;

/** What a failure carries in `details[0]`, for callers that branch on the status (e.g. 404). */
export interface FailureDetails {
  system: string;
  operation: string;
  status: number | null;
  issues: Issue[];
}

/** Statuses worth retrying: the server may answer differently later. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function failure(type: SystemErrorType, message: string, details: FailureDetails, cause?: Error) {
  return ApplicationFailure.create({ type, message, nonRetryable: type !== UNAVAILABLE, details: [details], ...(cause ? { cause } : {}) });
}

/** A non-2xx reply: retryable or not by status, with the server's own message. */
export function replyFailure(system: string, operation: string, status: number, body: unknown) {
  const parsed = body as Partial<ErrorBody> | null;
  const serverMessage = typeof parsed?.error === 'string' ? parsed.error : `HTTP ${status}`;
  const issues = Array.isArray(parsed?.issues) ? parsed.issues.filter((i): i is Issue => typeof i?.path === 'string' && typeof i?.message === 'string') : [];
  const type = isRetryableStatus(status) ? UNAVAILABLE : REJECTED;
  return failure(type, `${system} ${operation} answered ${status}: ${serverMessage}`, { system, operation, status, issues });
}

/** No reply at all: timeout, refused or reset connection. */
export function unreachableFailure(system: string, operation: string, error: unknown, timeoutMs: number) {
  const err = error instanceof Error ? error : new Error(String(error));
  const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
  const reason = timedOut ? `no reply within ${timeoutMs} ms` : `unreachable (${describeCause(err)})`;
  return failure(UNAVAILABLE, `${system} ${operation}: ${reason}`, { system, operation, status: null, issues: [] }, err);
}

/** The request could not be built, so nothing was sent: a bug or a misconfiguration, the same on every attempt. */
export function invalidRequestFailure(system: string, operation: string, error: unknown) {
  const err = error instanceof Error ? error : new Error(String(error));
  return failure(INVALID_REQUEST, `${system} ${operation}: cannot build the request (${err.message})`, { system, operation, status: null, issues: [] }, err);
}

/** A 2xx reply that breaks the contract. */
export function invalidReplyFailure(system: string, operation: string, issues: Issue[]) {
  return failure(INVALID_REPLY, `${system} ${operation} sent an invalid reply: ${describeIssues(issues)}`, {
    system,
    operation,
    status: null,
    issues,
  });
}

/** The server status a failure carries, if any. */
export function statusOf(error: unknown): number | null {
  if (!(error instanceof ApplicationFailure)) return null;
  const details = error.details?.[0] as Partial<FailureDetails> | undefined;
  return typeof details?.status === 'number' ? details.status : null;
}

/** The socket error's code (ECONNREFUSED, UND_ERR_SOCKET), which undici's request() rejects with; else a wrapped error's cause, else its message. */
function describeCause(err: Error): string {
  const { code, cause } = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  return code ?? cause?.code ?? cause?.message ?? err.message;
}
