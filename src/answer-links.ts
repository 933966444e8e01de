// Customer answer links (one per answer kind, see incident/answer-kinds): signed and expiring, so a customer can
// act only on its own lines and a link cannot be forged or reused for another line, or for a later incident
// of the same SKU (which reuses the workflow id).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AnswerKindSchema } from './incident/answer-kinds';
import type { CustomerAnswerSchema } from './incident/commands';

type CustomerAnswerInput = z.input<typeof CustomerAnswerSchema>;

/**
 * What the answer is about, signed with it so the confirmation page can restate it without reading the
 * incident: the product, each line's order and backordered quantity, and the substitute offered for it.
 */
const LineDetailSchema = z.object({
  l: z.string().min(1),
  /** Order id. */
  o: z.string().min(1),
  /** Units backordered when the email was written. */
  q: z.number().int().nonnegative(),
  /** The substitute offered: SKU, units, price difference per unit. */
  s: z.object({ sku: z.string().min(1), q: z.number().int().positive(), d: z.number().finite() }).optional(),
});
const DetailsSchema = z.object({
  sku: z.string().min(1),
  /** The product's description, shortened. */
  desc: z.string().optional(),
  /** Currency of the price differences. */
  cur: z.string().optional(),
  /** The reader's locale and time zone, so the pages read as the email did. */
  loc: z.string().optional(),
  lines: z.array(LineDetailSchema).min(1),
});
export type AnswerDetails = z.infer<typeof DetailsSchema>;

const ClaimsSchema = z.object({
  /** Workflow id of the incident (stable across continue-as-new). */
  w: z.string().min(1),
  /** Incident id (`IncidentState.incidentId`): the incident that reuses `w` later refuses the link. */
  i: z.string().min(1),
  c: z.string().min(1),
  /** The line the answer is about; for an answer covering all lines of an email, the first of them. */
  l: z.string().min(1),
  /** The other lines an answer for all lines of an email covers. */
  m: z.array(z.string().min(1)).max(500).optional(),
  a: AnswerKindSchema,
  /** Links signed before the details existed have none: their pages name the line only. */
  d: DetailsSchema.optional(),
  /** Expiry, epoch seconds. */
  e: z.number().int().positive(),
});
export type AnswerClaims = z.infer<typeof ClaimsSchema>;

/** Every line an answer link covers: its own line, or all lines of the email it came in. */
export function linesOf(claims: Pick<AnswerClaims, 'l' | 'm'>): string[] {
  return [claims.l, ...(claims.m ?? [])];
}

/**
 * The answers a submitted link records, one per line it covers. The id comes from the token, so a double click
 * is the same answer applied once; a link for several lines gives each line its own id.
 */
export function answersOfLink(claims: AnswerClaims, answerId: string, fields: { onHand?: number | undefined; dailyUsage?: number | undefined }): CustomerAnswerInput[] {
  const lines = linesOf(claims);
  return lines.map((lineId) => {
    const base = { answerId: lines.length === 1 ? answerId : `${answerId}:${lineId}`, incidentId: claims.i, customerId: claims.c, lineId };
    // Only a can-wait answer carries the form's stock figures.
    return claims.a === 'can-wait' ? { ...base, answer: 'can-wait', ...fields } : { ...base, answer: claims.a };
  });
}

/** The longest link an email offers: longer ones are cut by some clients and refused by the API (2,048 per path parameter). */
export const MAX_LINK_LENGTH = 2000;

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
