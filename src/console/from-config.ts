// How a process (the standalone API, the main job) turns configuration into the console: the users file,
// sessions of the configured length, Secure cookies when the public address is https. No users file, no console.
import type { AppConfig } from '../config/env';
import { configuredPolicy } from '../config/policy-file';
import { createSessions } from '../auth/sessions';
import { createDirectory, loadUsersFile } from '../auth/users';
import type { ConsoleOptions } from './routes';

export function consoleFromConfig(
  config: Pick<AppConfig, 'STOCKOUT_USERS_FILE' | 'STOCKOUT_SESSION_HOURS' | 'PUBLIC_BASE_URL' | 'STOCKOUT_POLICY_FILE' | 'STOCKOUT_CURRENCY'>,
  systems: Pick<ConsoleOptions, 'operations' | 'inventory' | 'crm'>,
): ConsoleOptions | undefined {
  if (!config.STOCKOUT_USERS_FILE) return undefined;
  const sessionTtlMs = config.STOCKOUT_SESSION_HOURS * 3_600_000;
  return {
    ...systems,
    directory: createDirectory(loadUsersFile(config.STOCKOUT_USERS_FILE)),
    sessions: createSessions({ ttlMs: sessionTtlMs }),
    sessionTtlMs,
    secureCookies: new URL(config.PUBLIC_BASE_URL).protocol === 'https:',
    policy: configuredPolicy(config.STOCKOUT_POLICY_FILE),
    currency: config.STOCKOUT_CURRENCY,
  };
}

/** Where the console is, for the start-up line. */
export function consoleUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/console`;
}
