// The catalogues say the same things: a key missing (or extra) in any language but English fails here, and a
// missing key reads in English rather than as its name. Customers are written to in their own language.
import { describe, expect, it } from 'vitest';
import type { CustomerNotice } from '../../src/notifications/model';
import { CATALOGUES, formatDateParts, readerOf } from '../../src/notifications/reader';
import { renderCustomerNotice, renderDigest } from '../../src/notifications/templates';
import { customerNotice, digest } from './fixtures';

function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

const textOf = (catalogue: unknown, key: string) => key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], catalogue) as string;

describe('message catalogues', () => {
  const english = leaves(CATALOGUES.en).sort();
  // The base keys of English's plurals: those with an `_other` form.
  const pluralBases = new Set(english.filter((k) => k.endsWith('_other')).map((k) => k.slice(0, -'_other'.length)));
  const baseOf = (key: string) => key.replace(/_(?:zero|one|two|few|many|other)$/, '');

  /** The keys a catalogue of this language has: English's, each plural in exactly the forms the language's plural rules pick. */
  const expectedKeys = (language: string) => {
    const forms = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
    const plain = english.filter((k) => !pluralBases.has(baseOf(k)));
    return [...plain, ...[...pluralBases].flatMap((base) => forms.map((form) => `${base}_${form}`))].sort();
  };

  it.each(Object.keys(CATALOGUES).filter((l) => l !== 'en'))('%s has every key of the English catalogue, its own plural forms, and no other key', (language) => {
    const keys = leaves(CATALOGUES[language as keyof typeof CATALOGUES]).sort();
    const expected = expectedKeys(language);
    expect(expected.filter((k) => !keys.includes(k))).toEqual([]);
    expect(keys.filter((k) => !expected.includes(k))).toEqual([]);
  });

  it('gives no empty text and keeps every placeholder of the English wording', () => {
    for (const [language, catalogue] of Object.entries(CATALOGUES)) {
      for (const key of leaves(catalogue)) {
        const text = textOf(catalogue, key);
        // A plural form English lacks (`_few`, `_many`) says what English's `_other` says.
        const original = textOf(CATALOGUES.en, pluralBases.has(baseOf(key)) && !key.endsWith('_one') ? `${baseOf(key)}_other` : key);
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        const placeholders = (t: string) => [...t.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(original));
      }
    }
  });

  it('falls back to English for a language without a catalogue', () => {
    const swedish = readerOf({ locale: 'sv-SE' });
    expect(swedish.t('notice.greeting', { name: 'Anna' })).toBe('Dear Anna,');
    expect(swedish.language).toBe('en-GB');
  });
});

describe('in the customer language', () => {
  const lines = [{ orderId: 'SO-1', lineId: '1', requested: 4, shipNow: 0, backordered: 4, expectedDate: '2026-12-07T23:30:00Z' }];
  /** A one-line notice to `customer`, as its reader gets it. */
  const noticeTo = (customer: CustomerNotice['customer'], rest: Partial<CustomerNotice> = {}) => renderCustomerNotice(customerNotice({ lines, customer, ...rest }));

  it('writes to a German customer in German, dates and money in German style', () => {
    const { subject, text, html } = noticeTo({ customerId: 'C-D', name: 'Berlin GmbH', contactName: 'Jonas Meyer', email: 'j@berlin.example', locale: 'de-DE', timeZone: 'Europe/Berlin' });
    expect(subject).toBe('Lieferengpass bei VALVE-12: was er für Ihren Auftrag bedeutet');
    expect(text).toContain('Guten Tag Jonas Meyer,');
    expect(text).toContain('Erwartet: Dienstag, 8. Dezember 2026');
    expect(text).toMatch(/Ihrem Konto 50,00\s€ gut/);
    expect(html).toContain('<html lang="de-DE">');
  });

  it('writes to a Spanish customer in Spanish, dates and money in Spanish style', () => {
    const { subject, text, html } = noticeTo({ customerId: 'C-E', name: 'Valencia SL', contactName: 'Lucía García', email: 'compras@valencia.example', locale: 'es-ES', timeZone: 'Europe/Madrid' });
    expect(subject).toBe('Rotura de stock de VALVE-12: qué supone para su pedido');
    expect(text).toContain('Buenos días, Lucía García:');
    expect(text).toContain('Fecha prevista: martes, 8 de diciembre de 2026');
    expect(text).toMatch(/abonaremos 50,00\s€ en su cuenta/);
    expect(html).toContain('<html lang="es-ES">');
    // A long Spanish date may wrap before its year in a narrow column ("8 de diciembre | de 2026"), nowhere else.
    expect(html).toContain('martes, <span style="white-space:nowrap;">8 de diciembre</span> <span style="white-space:nowrap;">de 2026</span>');
  });

  it('writes to a French customer in French, and the digest in the manager language', () => {
    const french = noticeTo({ customerId: 'C-F', name: 'Lyon SA', email: 'achats@lyon.example', locale: 'fr-FR', timeZone: 'Europe/Paris' });
    expect(french.text).toContain('Prévu le: mardi 8 décembre 2026');
    expect(french.text).toMatch(/créditerons votre compte de 50,00\s€/);
    expect(french.html).toContain('<html lang="fr-FR">');
    const manager = renderDigest(digest({ accountManager: { accountManagerId: 'AM-7', name: 'Zoé', email: 'zoe@supplier.example', locale: 'fr-FR' } }));
    expect(manager.text).toContain("Appelez d'abord ces clients");
    expect(manager.text).toContain('Prévu le: lundi 24 mars 2025');
  });

  it.each(Object.keys(CATALOGUES))("names the CRM's default stages in the %s manager's language, and a company's own stage as named", (language) => {
    const { stages } = CATALOGUES[language as keyof typeof CATALOGUES].digest;
    const accountManager = { accountManagerId: 'AM-7', name: 'Zoé', email: 'zoe@supplier.example', locale: `${language}-${language === 'en' ? 'GB' : language.toUpperCase()}` };
    const base = digest({ accountManager });
    const { text } = renderDigest(base);
    expect(text).toContain(`(C-1, ${stages.integrated})`); // the call list
    expect(text).toContain(stages.basic); // the accounts' table
    if (language !== 'en') expect(text).not.toMatch(/\b(integrated|basic)\b/);
    const own = renderDigest({ ...base, accounts: base.accounts.map((a) => ({ ...a, stage: 'Strategic partner' })) });
    expect(own.text).toContain('(C-1, Strategic partner)');
  });

  it('writes to a Dutch customer in Dutch, dates and money in Dutch style', () => {
    const { subject, text, html } = noticeTo({ customerId: 'C-N', name: 'Delft BV', contactName: 'Sanne de Vries', email: 'inkoop@delft.example', locale: 'nl-NL', timeZone: 'Europe/Amsterdam' });
    expect(subject).toBe('Tekort aan VALVE-12: wat dit betekent voor uw order');
    expect(text).toContain('Geachte Sanne de Vries,');
    expect(text).toContain('Verwacht: dinsdag 8 december 2026');
    expect(text).toMatch(/crediteren wij uw account met €\s50,00/);
    expect(html).toContain('<html lang="nl-NL">');
  });

  it('writes to a Polish customer in Polish, with the plural form of a few days', () => {
    const { subject, text, html } = noticeTo(
      { customerId: 'C-P', name: 'Kraków sp. z o.o.', contactName: 'Anna Nowak', email: 'a@krakow.example', locale: 'pl-PL', timeZone: 'Europe/Warsaw' },
      { ration: { now: 2, then: 1, everyDays: 3, until: '2026-12-08' } },
    );
    expect(subject).toBe('Niedobór produktu VALVE-12: co to oznacza dla Państwa zamówienia');
    expect(text).toContain('Dzień dobry, Anna Nowak,');
    expect(text).toContain('a potem 1 szt. co 3 dni aż do kolejnej dostawy. Przewidywana data dostawy: wtorek, 8 grudnia 2026.');
    expect(text).toContain('Przewidywana data: wtorek, 8 grudnia 2026');
    expect(text).toMatch(/uznamy Państwa konto kwotą 50,00\s€/);
    expect(html).toContain('<html lang="pl-PL">');
  });
});

describe('dates in a narrow column', () => {
  it('may wrap after the weekday and before the year, punctuation staying with the month, and nowhere else', () => {
    const parts = (locale: string) => formatDateParts('2026-12-08', { language: locale, timeZone: 'UTC' });
    expect(parts('en-GB')).toEqual(['Tuesday, ', '8 December', ' 2026']);
    expect(parts('en-US')).toEqual(['Tuesday, ', 'December 8,', ' 2026']);
    expect(parts('es-ES')).toEqual(['martes, ', '8 de diciembre', ' de 2026']);
    expect(parts('de-DE')).toEqual(['Dienstag, ', '8. Dezember', ' 2026']);
    // A language whose full date does not lead with the weekday and end with the year keeps it whole.
    expect(parts('ja-JP')).toEqual(['', '2026年12月8日火曜日', '']);
  });
});
