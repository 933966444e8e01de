// Zod issues as people read them, one home for every boundary (API, CLI, workflow validators, policy files):
// each issue is "path: message", its path rooted at what the caller calls the input ("restock", "--quantity"),
// its message in words ("required", "must be a whole number") instead of zod's ("Invalid input: expected
// int, received number"). Pure and free of Node built-ins: workflow validators use it too.
import { z } from 'zod';

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

/** Parses, or throws an Error whose message names each offending field under `root`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(describeIssues(issuesOf(result.error, root)));
  return result.data;
}

// ---- the messages ----

const TYPES: Partial<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  date: 'a date',
  array: 'a list',
  tuple: 'a list',
  object: 'an object',
  record: 'an object',
};

const FORMATS: Partial<Record<string, string>> = {
  date: 'must be a date YYYY-MM-DD',
  datetime: 'must be a date and time such as 2025-03-01T12:00:00Z',
  time: 'must be a time HH:MM:SS',
  email: 'must be an email address',
  url: 'must be a URL',
  uuid: 'must be a UUID',
  base64: 'must be base64',
  base64url: 'must be base64url',
  regex: 'is not in the expected form',
};

/** Units a length is counted in, by what the value is. */
const UNITS: Partial<Record<string, [one: string, many: string]>> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  file: ['byte', 'bytes'],
};

const counted = (n: number | bigint, [one, many]: [string, string]) => `${n} ${n === 1 ? one : many}`;
const listed = (values: readonly unknown[]) => values.map(String).join(', ');
const quoted = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(value));

/**
 * The message for an issue whose schema gave none: zod asks this before its own English texts. A schema's own
 * message (`.min(1, 'a rejection needs a reason')`) always wins over it.
 */
function humanMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `must be ${TYPES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quoted(issue.values[0])}` : `must be one of: ${listed(issue.values)}`;
    case 'invalid_union': {
      // A discriminated union names its variants by the discriminator's values.
      if (issue.discriminator === undefined) return 'matches none of the accepted forms';
      const given = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
      if (given === undefined) return 'required';
      const values = (issue.inst as z.core.$ZodType | undefined)?._zod.propValues?.[issue.discriminator];
      return values ? `must be one of: ${listed([...values])}` : 'is not one of the accepted values';
    }
    case 'too_small': {
      const units = UNITS[issue.origin];
      if (!units) return issue.inclusive ? `must be at least ${issue.minimum}` : `must be more than ${issue.minimum}`;
      if (issue.exact) return `must be exactly ${counted(issue.minimum, units)}`;
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      return issue.origin === 'string' ? `must be at least ${counted(issue.minimum, units)}` : `must have at least ${counted(issue.minimum, units)}`;
    }
    case 'too_big': {
      const units = UNITS[issue.origin];
      if (!units) return issue.inclusive ? `must be at most ${issue.maximum}` : `must be less than ${issue.maximum}`;
      if (issue.exact) return `must be exactly ${counted(issue.maximum, units)}`;
      return issue.origin === 'string' ? `must be at most ${counted(issue.maximum, units)}` : `must have at most ${counted(issue.maximum, units)}`;
    }
    case 'invalid_format':
      if (issue.format === 'starts_with') return `must start with "${String(issue.prefix)}"`;
      if (issue.format === 'ends_with') return `must end with "${String(issue.suffix)}"`;
      if (issue.format === 'includes') return `must contain "${String(issue.includes)}"`;
      return FORMATS[issue.format] ?? `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `${issue.keys.length === 1 ? 'unknown field' : 'unknown fields'}: ${listed(issue.keys)}`;
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid item';
    case 'custom':
      return 'is invalid';
    default:
      return undefined;
  }
}

// Once per zod instance: every parse in this process (or this workflow bundle) that loads this module speaks so.
z.config({ customError: humanMessage });
