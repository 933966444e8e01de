// Fault injection for tests and demos, off by default: added latency, 503 errors, requests that hang,
// and replies lost after the write was applied (the case idempotency keys exist for). Deterministic:
// the same seed and request order give the same faults.
import { z } from 'zod';
import { createRandom, type Random } from '../dataset/random';

const Rate = z.number().min(0).max(1);

export const FaultsSchema = z
  .object({
    /** Share of requests answered 503 before anything is done. */
    errorRate: Rate.default(0),
    /** Delay added to every request. */
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    /** Share of requests that get no reply for `hangMs` (clients time out). */
    hangRate: Rate.default(0),
    hangMs: z.number().int().min(1).max(600_000).default(60_000),
    /** Share of requests whose write is applied but whose reply is replaced by a 503. */
    lostReplyRate: Rate.default(0),
    /** Only requests to these routes (`METHOD /path` as the service lists them) meet the faults; every route when absent. */
    routes: z.array(z.string().regex(/^[A-Z]+ \//, 'must be "METHOD /path"')).min(1).max(100).optional(),
    seed: z.number().int().default(1),
  })
  .refine((f) => f.errorRate + f.hangRate + f.lostReplyRate <= 1, { message: 'errorRate + hangRate + lostReplyRate must not exceed 1' });
export type Faults = z.output<typeof FaultsSchema>;
export type FaultsInput = z.input<typeof FaultsSchema>;

export type FaultAction = 'none' | 'error' | 'hang' | 'lose-reply';

export interface FaultInjector {
  get(): Faults;
  /** Replaces the configuration and restarts the sequence from its seed. */
  set(faults: FaultsInput): Faults;
  decide(): FaultAction;
  /** Resolves after `hangMs`, or at once when the service closes. */
  hang(): Promise<void>;
  close(): void;
}

export function createFaultInjector(initial: FaultsInput = {}): FaultInjector {
  let faults = FaultsSchema.parse(initial);
  let random: Random = createRandom(faults.seed);
  const waiting = new Set<() => void>();
  return {
    get: () => faults,
    set(next) {
      faults = FaultsSchema.parse(next);
      random = createRandom(faults.seed);
      return faults;
    },
    decide() {
      if (faults.errorRate + faults.hangRate + faults.lostReplyRate === 0) return 'none';
      const draw = random.next();
      if (draw < faults.hangRate) return 'hang';
      if (draw < faults.hangRate + faults.errorRate) return 'error';
      if (draw < faults.hangRate + faults.errorRate + faults.lostReplyRate) return 'lose-reply';
      return 'none';
    },
    hang() {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, faults.hangMs);
        waiting.add(done);
      });
    },
    close() {
      for (const done of [...waiting]) done();
    },
  };
}
