// What a customer may answer about a backordered line, each kind with what it needs: the answer schema, the
// signed links, the email's buttons, the confirmation pages and the application of an answer all read this
// table, so a new kind is one entry here plus what the compiler then asks for (its wording in the email
// catalogues, src/notifications/catalogues, keyed by the kind).
// Imported by workflow code (through the answer schema): keep it pure.
import { z } from 'zod';
import { MAX_UNITS, units } from './units';

interface AnswerKindTraits {
  /** The field of an email line's `answers` that holds this answer's signed link. */
  linkField: string;
  /** What the answer carries beyond the line it is about; all optional, since a click on the link alone must do. */
  fields: z.ZodRawShape;
  /** Gives up what the customer ordered: the email offers it after the answers that keep the order, drawn apart. */
  destructive: boolean;
  /** Offered only on a line with a substitute offer, whose button names it. */
  needsSubstituteOffer: boolean;
}

export const ANSWER_KINDS = {
  'accept-substitute': {
    linkField: 'acceptSubstitute',
    needsSubstituteOffer: true,
    destructive: false,
    fields: {},
  },
  cancel: {
    linkField: 'cancel',
    needsSubstituteOffer: false,
    destructive: true,
    fields: {},
  },
  'can-wait': {
    linkField: 'canWait',
    needsSubstituteOffer: false,
    destructive: false,
    // The customer's stock and usage, so the allocation can tell how long it lasts.
    fields: {
      onHand: units.nonnegative().optional(),
      dailyUsage: z.number().positive().max(MAX_UNITS).optional(),
    },
  },
} as const satisfies Record<string, AnswerKindTraits>;

export type AnswerKind = keyof typeof ANSWER_KINDS;
export const ANSWER_KIND_NAMES = Object.keys(ANSWER_KINDS) as [AnswerKind, ...AnswerKind[]];
export const AnswerKindSchema = z.enum(ANSWER_KIND_NAMES);
/** The order an email offers the answers of a line in: those that keep the order first. */
export const ANSWERS_IN_EMAIL_ORDER = [...ANSWER_KIND_NAMES].sort((a, b) => Number(ANSWER_KINDS[a].destructive) - Number(ANSWER_KINDS[b].destructive));
/** The fields of an email line's `answers`, one per answer kind. */
export type AnswerLinkField = (typeof ANSWER_KINDS)[AnswerKind]['linkField'];
