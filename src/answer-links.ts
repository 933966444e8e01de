// Customer answer links (one per answer kind, see incident/answer-kinds): signed and expiring, so a customer can
// act only on its own lines and a link cannot be forged or reused for another line, or for a later incident
// of the same SKU (which reuses the workflow id).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AnswerKindSchema } from './incident/answer-kinds';

const ClaimsSchema = z.object({
  /** Workflow id of the incident (stable across continue-as-new). */
  w: z.string().min(1),
  /** Incident id (`IncidentState.incidentId`): the incident that reuses `w` later refuses the link. */
  i: z.string().min(1),
  c: z.string().min(1),
  l: z.string().min(1),
  a: AnswerKindSchema,
  /** Expiry, epoch seconds. */
  e: z.number().int().positive(),
});
export type AnswerClaims = z.infer<typeof ClaimsSchema>;

export interface AnswerLinks {
  sign(claims: Omit<AnswerClaims, 'e'>, now: Date): string;
  /** Returns the claims of a valid, unexpired token, or throws an error saying why it is refused. */
  verify(token: string, now: Date): AnswerClaims;
  url(token: string): string;
}

export function createAnswerLinks(options: { secret: string; ttlDays: number; baseUrl: string }): AnswerLinks {
  const mac = (body: string) => createHmac('sha256', options.secret).update(body).digest('base64url');
  return {
    sign(claims, now) {
      const body = Buffer.from(
        JSON.stringify({ ...claims, e: Math.floor(now.getTime() / 1000) + options.ttlDays * 86_400 }),
      ).toString('base64url');
      return `${body}.${mac(body)}`;
    },
    verify(token, now) {
      const [body, signature, extra] = token.split('.');
      if (!body || !signature || extra !== undefined) throw new Error('token: malformed');
      const expected = Buffer.from(mac(body));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new Error('token: bad signature');
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw new Error('token: malformed');
      }
      const claims = ClaimsSchema.safeParse(decoded);
      if (!claims.success) throw new Error('token: malformed');
      if (claims.data.e * 1000 < now.getTime()) throw new Error('token: expired');
      return claims.data;
    },
    url: (token) => `${options.baseUrl.replace(/\/$/, '')}/answers/${token}`,
  };
}
