// Zod issues as people read them, one home for every boundary (API, CLI, workflow validators, policy files):
// each issue is "path: message", its path rooted at what the caller calls the input ("restock", "--quantity").
// Pure and free of Node built-ins: workflow validators use it too.
import type { z } from 'zod';

export interface Issue {
  path: string;
  message: string;
}

/** The issues of a failed parse; `field` renames the first path segment (a CLI maps fields to its flags). */
export function issuesOf(error: z.ZodError, root: string, field?: (name: string) => string): Issue[] {
  return error.issues.map((issue) => {
    const [first, ...rest] = issue.path.map(String);
    const head = first === undefined ? [root] : field ? [field(first)] : [root, first];
    return { path: [...head, ...rest].join('.'), message: issue.message };
  });
}

/** "a.b: message; c: message" */
export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
