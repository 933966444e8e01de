// JSON request bodies. JSON.parse makes `"__proto__"` an own key, never a prototype, but such a body turns
// dangerous wherever it is later merged into another object; so a body with a key that pollutes prototypes
// (`__proto__`, or `constructor` holding `prototype`) is refused naming where it is, as is text that is not
// JSON, instead of one "Body is not valid JSON" for both.
import type { FastifyInstance } from 'fastify';
import { OperationError } from '../operations/incident-operations';

/** Replaces Fastify's JSON parser, whose errors do not say what is wrong. */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw bodyError('body', 'is empty: send a JSON document');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bodyError('body', 'is not valid JSON');
  }
  const path = pollutingKey(value);
  if (path) throw bodyError(path, 'is a key that would change the prototype of objects (prototype pollution): leave it out');
  return value;
}

/** Where in the parsed value a prototype-polluting key is, as `body.a.__proto__`; null when there is none. */
export function pollutingKey(value: unknown): string | null {
  // Iterative: a deeply nested body must not exhaust the stack.
  const stack: { value: unknown; path: string }[] = [{ value, path: 'body' }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node)) {
      if (key === '__proto__') return `${path}.__proto__`;
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return `${path}.constructor.prototype`;
      stack.push({ value: child, path: `${path}.${key}` });
    }
  }
  return null;
}

function bodyError(path: string, message: string): OperationError {
  return new OperationError('invalid', `${path}: ${message}`, [{ path, message }]);
}
