// What a customer may answer about a backordered line, each kind with what it needs and how it is worded:
// the answer schema, the signed links, the email's buttons, the confirmation pages and the application of an
// answer all read this table, so a new kind is one entry here plus what the compiler then asks for.
// Imported by workflow code (through the answer schema): keep it pure.
import { z } from 'zod';
import { MAX_UNITS, units } from './units';

interface AnswerKindBase {
  /** The field of an email line's `answers` that holds this answer's signed link. */
  linkField: string;
  /** What the answer carries beyond the line it is about; all optional, since a click on the link alone must do. */
  fields: z.ZodRawShape;
  /** Gives up what the customer ordered: the email offers it after the answers that keep the order. */
  destructive: boolean;
  /** The pages behind the link: `confirm` and `done` end with the order line's id. */
  page: { confirm: string; button: string; done: string; next: string };
}

type AnswerKindTraits = AnswerKindBase &
  (
    | { /** Offered only on a line with a substitute offer, whose button names it. */ needsSubstituteOffer: true; emailLabel: (offer: { sku: string }) => string }
    | { needsSubstituteOffer: false; emailLabel: string }
  );

export const ANSWER_KINDS = {
  'accept-substitute': {
    linkField: 'acceptSubstitute',
    needsSubstituteOffer: true,
    destructive: false,
    emailLabel: (offer) => `Accept ${offer.sku} instead`,
    fields: {},
    page: {
      confirm: 'You are about to accept the substitute product we offered for order line',
      button: 'Accept the substitute',
      done: 'Thank you: we have your acceptance of the substitute product for order line',
      next: 'We reserve the substitute for this line shortly. If its stock has run out by then, the line stays backordered.',
    },
  },
  cancel: {
    linkField: 'cancel',
    needsSubstituteOffer: false,
    destructive: true,
    emailLabel: 'Cancel the backordered quantity',
    fields: {},
    page: {
      confirm: 'You are about to cancel the quantity still backordered on order line',
      button: 'Cancel the backorder',
      done: 'Thank you: we have your request to cancel the backordered quantity of order line',
      next: 'We cancel the quantity still backordered shortly; what has already shipped is not affected.',
    },
  },
  'can-wait': {
    linkField: 'canWait',
    needsSubstituteOffer: false,
    destructive: false,
    emailLabel: 'I have stock on hand and can wait',
    // The customer's stock and usage, so the allocation can tell how long it lasts.
    fields: {
      onHand: units.nonnegative().optional(),
      dailyUsage: z.number().positive().max(MAX_UNITS).optional(),
    },
    page: {
      confirm: 'You are about to tell us that you still hold enough stock to wait for order line',
      button: 'I can wait',
      done: 'Thank you: we have noted that you hold enough stock to wait for order line',
      next: 'We keep your backorder and serve customers who have run out first.',
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
