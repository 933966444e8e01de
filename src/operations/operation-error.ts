// The failures every front end (HTTP API, CLI, main job) understands, and the one parse that raises them.
import type { z } from 'zod';
import { describeIssues, issuesOf, type Issue } from '../validation/issues';

export type OperationErrorKind = 'invalid' | 'not-found' | 'rejected' | 'unavailable';

const STATUS: Record<OperationErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  rejected: 409,
  unavailable: 503,
};

/** A failure a person can act on: bad input, an unknown incident, a command the incident refused, Temporal unreachable. */
export class OperationError extends Error {
  constructor(
    readonly kind: OperationErrorKind,
    message: string,
    readonly issues: Issue[] = [],
    /** HTTP status; follows from the kind unless a more precise one is known (e.g. 413 for a body too large). */
    readonly status: number = STATUS[kind],
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/** An `invalid` OperationError for these issues, its message naming each field. */
export function invalidInput(issues: Issue[], status?: number): OperationError {
  return new OperationError('invalid', describeIssues(issues), issues, status);
}

/** Parses with a shared schema or throws an `invalid` OperationError naming each offending field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidInput(issuesOf(result.error, root));
}
