// The English wording of every email and answer page: the reference catalogue. Every other catalogue has the same
// keys, plurals in its language's own forms (the compiler and test/notifications/catalogues.test.ts check it); a key
// missing there reads in English.
// Values are i18next strings: {{name}} is filled in already formatted, `_one`/`_other` are plural forms.
export const en = {
  notice: {
    greeting: 'Dear {{name}},',
    product: '{{sku}} ({{description}})',
    notKnownYet: 'not known yet',
    ration: {
      now_one: '{{now}} ship now, then {{then}} every day until the delivery expected on {{until}}.',
      now_other: '{{now}} ship now, then {{then}} every {{count}} days until the delivery expected on {{until}}.',
      from_one: 'From {{from}}, {{then}} ship every day until the delivery expected on {{until}}.',
      from_other: 'From {{from}}, {{then}} ship every {{count}} days until the delivery expected on {{until}}.',
    },
    credit: 'To make up for the inconvenience we will credit your account with {{amount}}.',
    creditKept: 'As promised, your account is credited with {{amount}} for the inconvenience.',
    questions: 'Questions? Reply to this email or call your account manager.',
    questionsFrom: 'Questions? Reply to this email: it reaches your account manager, {{name}}.',
    contactEmail: 'Email: {{email}}',
    contactPhone: 'Phone: {{phone}}',
    footer: 'Reference: {{reference}}. Dates are given in {{timeZone}} time.',
    footerIssued: 'Reference: {{reference}}, as of {{issuedAt}}. Dates are given in {{timeZone}} time.',
    columns: {
      order: 'Order',
      line: 'Line',
      requested: 'Ordered',
      shipNow: 'Ships now',
      shipDate: 'Ship date',
      substituted: 'Substitute shipping now',
      backordered: 'Backordered',
      expectedDate: 'Expected',
      shippedAtOnce: 'Shipped at once',
      shippedInPeriods: 'Shipped per ration period',
      shippedFromRestocks: 'Shipped from restocks',
      substitutedInTotal: 'Substituted',
      cancelled: 'Cancelled by you',
      stillBackordered: 'Still backordered',
    },
    kinds: {
      'first-notice': {
        subject: 'Stock shortage on {{sku}}: what it means for your order',
        title: 'A product on your order is short of stock',
        intro:
          'We are short of {{product}}. The stock we have is shared fairly between all customers affected; ' +
          'below is what ships now and what is backordered, with the date we expect it.',
      },
      'eta-change': {
        subject: 'New expected date for your backordered {{sku}}',
        title: 'The expected date of your backorder has changed',
        intro: 'The expected date for your backordered {{product}} has changed; the new date for each line is below.',
        introTo: 'The expected date for your backordered {{product}} has changed to {{to}}.',
        introFrom: 'The expected date for your backordered {{product}} has changed from {{from}}; the new date for each line is below.',
        introFromTo: 'The expected date for your backordered {{product}} has changed from {{from}} to {{to}}.',
        reason: 'Why it moved: {{reason}}.',
      },
      'backorder-shipped': {
        subject: 'Your backordered {{sku}} has shipped',
        title: 'Your backorder is on its way',
        intro: 'Good news: the backordered quantity of {{product}} has shipped.',
      },
      'status-update': {
        subject: 'Status of your backordered {{sku}}',
        title: 'Your backorder is still open',
        intro: 'This is a regular update on your backorder of {{product}}. Nothing is forgotten; here is where it stands.',
      },
      'new-orders': {
        subject: 'Your new order of {{sku}} during the shortage',
        title: 'Your new order lines and the shortage',
        intro:
          'We are still short of {{product}}. Your order lines placed or raised since the shortage began share the stock left ' +
          'by the same rules as every customer; below is what ships now and what is backordered, with the date we expect it.',
      },
      'ration-change': {
        subject: 'New delivery schedule for your {{sku}}',
        title: 'Your share ships on a new schedule',
        intro: 'The next delivery of {{product}} has moved, so what is still to ship of your share is spread over the new gap.',
      },
      'incident-closed': {
        subject: 'The {{sku}} shortage is over',
        title: 'The shortage is resolved',
        intro:
          'The shortage of {{product}} is over. Below is how each of your order lines was served: what shipped at once ' +
          'when the shortage began, what shipped from later restocks, what an equivalent product replaced, and what you cancelled. ' +
          'Thank you for your patience.',
      },
      'incident-cancelled': {
        subject: 'Update on {{sku}}: our earlier notice no longer applies',
        title: 'Our earlier notice no longer applies',
        intro:
          'Our earlier notice about a shortage of {{product}} no longer applies: your order lines below ' +
          'continue on their normal schedule. Your account manager will contact you if anything changes.',
      },
    },
    why: {
      heading: 'Why some lines get nothing now',
      item: 'Order {{order}}, line {{line}}: {{why}}',
      override: 'Our supply planner set the quantity for this line by hand after reviewing every affected order.',
      'deferred-holds-stock': 'You told us you still hold stock of this product, so this line waits while customers who have run out are served first.',
      'rationed-days-of-supply':
        "Customers who still hold stock share what is left so that everyone's stock lasts about as long; yours is expected to last longer, so this line waits.",
      'all-or-nothing-skipped': 'This line must ship complete (no partial deliveries), and the stock we have now is not enough to ship all of it.',
      'confirmation-released': 'The stock we had confirmed for this line went back into the shared stock, so that every affected customer gets a fair share of it.',
      'segment-lose': 'Under the shortage rules for your account, this line is served from the next deliveries rather than from the stock we have now.',
      'segment-fill-limit': 'Under the shortage rules for your account, this line is served only from stock confirmed before the shortage, and none was left for it.',
      'concentration-cap': 'No customer may take more than a set share of the scarce stock while others wait, and your orders already reached that share.',
      'win-exception': 'This line should have been served in full; a planner is reviewing it by hand and your account manager will contact you.',
      'pack-size-rounded': "This product ships in whole packs, and this line's share of the stock was less than one pack.",
      substituted: 'An equivalent product ships in its place, as shown above.',
      'pool-exhausted': 'The stock ran out before this line was reached: lines are served by how urgently they are needed and by customer priority.',
      fallback: 'The stock we have now is not enough to serve every order in full; this line waits for the next delivery.',
    },
    answers: {
      heading: 'Tell us what suits you',
      explain:
        'Each link acts on its own line: it opens a page where you confirm your choice with a button. ' +
        'We apply your answer shortly, and our next email about this order shows the result.',
      allHeading: 'One answer for all your backordered lines',
      allExplain: 'These links answer for every backordered line of this email at once; the links under each line below answer for that line only.',
      line: 'Order {{order}}, line {{line}}: {{quantity}} backordered.',
      offer: 'An equivalent product is available instead of waiting, while its stock lasts: {{quantity}} × {{product}}.',
      samePrice: 'Same price as the product you ordered.',
      priceDifference_one: 'Price difference: {{perUnit}} per unit, {{total}} in total for {{quantity}} unit.',
      priceDifference_other: 'Price difference: {{perUnit}} per unit, {{total}} in total for {{quantity}} units.',
      labels: {
        'accept-substitute': 'Accept {{sku}} instead',
        cancel: 'Cancel the backordered quantity',
        'can-wait': 'I have stock on hand and can wait',
      },
      allLabels: {
        'accept-substitute': 'Accept the substitutes offered for all lines',
        cancel: 'Cancel all backordered quantities',
        'can-wait': 'I can wait for all lines',
      },
    },
  },
  digest: {
    greeting: 'Hello {{name}},',
    subject: '[Stockout {{sku}}, {{event}}] {{count}} of your accounts affected',
    subjectCallFirst: ', {{count}} to call first',
    intro_one: '{{count}} of your accounts is affected by the {{product}} incident ({{event}}). This is what each customer was told.',
    intro_other: '{{count}} of your accounts are affected by the {{product}} incident ({{event}}). This is what each customer was told.',
    title: 'Stockout {{sku}}: your affected accounts',
    callFirst: 'Call these customers first',
    callFirstExplain:
      'Most affected first: customers who get nothing now, whose confirmed stock was taken back, with critical supply, ' +
      'then by units backordered. Call them before or alongside the email.',
    callItem: '{{name}} ({{customerId}}, {{stage}}): {{reasons}}',
    callContact: '{{name}} ({{customerId}}, {{stage}}): {{reasons}}. Call {{contact}}.',
    reasons: {
      nothingShips: 'nothing ships now',
      taken_one: '{{quantity}} confirmed unit taken back',
      taken_other: '{{quantity}} confirmed units taken back',
      critical: 'critical supply',
      backordered: '{{quantity}} backordered',
      headsUp: 'the relationship calls for a personal heads-up',
    },
    accounts: 'Your affected accounts',
    footer: 'Reference: {{reference}}.',
    footerIssued: 'Reference: {{reference}}, as of {{issuedAt}} ({{timeZone}} time).',
    events: {
      'first-notice': 'shortage',
      'eta-change': 'ETA change',
      'backorder-shipped': 'backorders shipped',
      'status-update': 'status',
      'new-orders': 'new orders',
      'ration-change': 'rationing re-planned',
      'incident-closed': 'closed',
      'incident-cancelled': 'cancelled',
    },
    columns: {
      customer: 'Customer',
      contact: 'Contact',
      stage: 'Stage',
      shipNow: 'Ships now',
      shippedSoFar: 'Shipped so far',
      backordered: 'Backordered',
      expectedDate: 'Expected',
      substituteOffered: 'Substitute offered',
      shippedAtOnce: 'Shipped at once',
      shippedInPeriods: 'Shipped per ration period',
      shippedFromRestocks: 'Shipped from restocks',
      substitutedInTotal: 'Substitute units',
      cancelled: 'Cancelled by customer',
      stillBackordered: 'Still backordered',
      outcome: 'Customer email',
    },
    yes: 'yes',
    no: 'no',
    outcomes: {
      sent: 'sent',
      rejected: 'bounced, please call',
      undeliverable: 'no usable email address in the CRM, please call',
      pending: 'held until your call',
    },
    // The CRM's default relationship stages; a stage a company names itself is shown as named.
    stages: {
      exploratory: 'exploratory',
      basic: 'basic',
      cooperative: 'cooperative',
      interdependent: 'interdependent',
      integrated: 'integrated',
    },
  },
  pages: {
    confirmTitle: 'Confirm your answer',
    doneTitle: 'Answer recorded',
    product: 'Product: {{product}}',
    lineItem: 'Order {{order}}, line {{line}}: {{quantity}} backordered',
    lineOnly: 'Order line {{line}}',
    offerItem: 'instead: {{quantity}} × {{product}}, {{difference}}',
    samePrice: 'same price',
    priceDifference: 'price difference {{perUnit}} per unit, {{total}} in total',
    optional: 'Optional, so we can plan better:',
    onHand: 'Units you hold now',
    dailyUsage: 'Units you use per day',
    nextEmail: 'Our next email about this order shows the result; your account manager can tell you sooner. You can close this page.',
    refusedTitle: 'This link cannot be used',
    expired: 'This link has expired. Please reply to the email you received or contact your account manager.',
    invalid: 'This link is not valid. Please use the link from your email exactly as it was sent, or contact your account manager.',
    problemTitle: 'We could not record your answer',
    noLongerOpen:
      'This shortage is over, or these order lines no longer wait for stock, so there is nothing left to answer and nothing was changed. ' +
      'Your latest email from us shows where your order stands.',
    tryLater: 'We cannot record your answer right now. Please try the link again in a few minutes.',
    ourSide: 'Something went wrong on our side.',
    contactManager: 'Please contact your account manager, who can record your answer for you.',
    linkTooLong: 'This link is longer than any link we send: it may have been changed, or joined with other text. Please use the link from your email exactly as it was sent.',
    bodyTooLarge: 'What your browser sent is larger than this page accepts. Please go back, check the figures you entered and try again.',
    unreadable: 'Your browser sent something this page cannot read. Please open the link from your email again.',
    figureRefused: '“{{field}}” must be a whole number of units, 0 or more (units per day may have decimals). Please go back, correct it or leave it empty, and try again.',
    // One line: the sentence ends with the line's id. Several (an answer for all lines of an email): a list follows.
    kinds: {
      'accept-substitute': {
        confirm_one: 'You are about to accept the substitute product we offered for order line',
        confirm_other: 'You are about to accept the substitute products we offered for these order lines:',
        button: 'Accept the substitute',
        done_one: 'Thank you: we have your acceptance of the substitute product for order line',
        done_other: 'Thank you: we have your acceptance of the substitute products for these order lines:',
        next_one: 'We reserve the substitute for this line shortly. If its stock has run out by then, the line stays backordered.',
        next_other: 'We reserve the substitutes for these lines shortly. If the stock of one has run out by then, its line stays backordered.',
      },
      cancel: {
        confirm_one: 'You are about to cancel the quantity still backordered on order line',
        confirm_other: 'You are about to cancel the quantities still backordered on these order lines:',
        button: 'Cancel the backorder',
        done_one: 'Thank you: we have your request to cancel the backordered quantity of order line',
        done_other: 'Thank you: we have your request to cancel the backordered quantities of these order lines:',
        next_one: 'We cancel the quantity still backordered shortly; what has already shipped is not affected.',
        next_other: 'We cancel the quantities still backordered shortly; what has already shipped is not affected.',
      },
      'can-wait': {
        confirm_one: 'You are about to tell us that you still hold enough stock to wait for order line',
        confirm_other: 'You are about to tell us that you still hold enough stock to wait for these order lines:',
        button: 'I can wait',
        done_one: 'Thank you: we have noted that you hold enough stock to wait for order line',
        done_other: 'Thank you: we have noted that you hold enough stock to wait for these order lines:',
        next_one: 'We keep your backorder and serve customers who have run out first.',
        next_other: 'We keep your backorders and serve customers who have run out first.',
      },
    },
  },
};

/** The shape every catalogue has: the English one's keys, each a string. */
export type Catalogue = { [K in keyof typeof en]: Strings<(typeof en)[K]> };
type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

/**
 * A catalogue whose language has more plural forms than English's `_one`/`_other` (Polish: `_few`, `_many`):
 * each `_other` key comes with the extra forms; every other key stays exactly as English has it.
 */
export type WithPluralForms<T, F extends string> = {
  [K in keyof T & string as K extends `${infer B}_other` ? K | `${B}_${F}` : K]: T[K] extends string ? string : WithPluralForms<T[K], F>;
};
