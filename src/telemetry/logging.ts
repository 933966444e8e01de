// Structured logs: one JSON line per event (pino), for the worker. The Temporal SDK's own lines
// (worker lifecycle, the native core's, workflow `log`, activity `log`) reach the same logger as the Runtime's
// logger, with the workflow id, activity type and, from our workflow and activity lines, the incident id and
// stage. Nothing here logs customer data: workflow and activity lines carry ids, stages and counts, and the
// mailer's errors name Message-IDs, never recipients.
import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(options: { name: string; level: LevelWithSilent; destination?: NodeJS.WritableStream }): Logger {
  return pino({ name: options.name, level: options.level, base: { process: options.name } }, options.destination ?? process.stdout);
}

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<LogLevel, string>;

/** The SDK's logger interface over pino: what `Runtime.install({ logger })` takes. */
export function sdkLogger(logger: Logger): SdkLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    // Symbol keys (the SDK's internal markers) and an error's stack are left to pino's own serialisers.
    const fields = meta ? Object.fromEntries(Object.entries(meta)) : {};
    logger[LEVELS[level]](fields, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
