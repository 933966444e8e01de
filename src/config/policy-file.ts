// Reads a policy from a JSON file (the CLI's --policy / STOCKOUT_POLICY_FILE). The only file I/O near the
// allocation code, kept apart so nothing pure imports it.
import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../allocation/policy';

/** Reads and validates a policy file; errors name the file, and the field for a bad policy. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`policy file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`policy file ${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  try {
    return parsePolicy(raw);
  } catch (error) {
    throw new Error(`policy file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The configured policy: the file when one is set (STOCKOUT_POLICY_FILE), else the documented defaults. */
export function configuredPolicy(file: string | undefined): Policy {
  return file ? loadPolicyFile(file) : DEFAULT_POLICY;
}
