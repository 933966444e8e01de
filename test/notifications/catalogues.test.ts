// The catalogues say the same things: a key missing (or extra) in a translation fails here, and a
// missing key reads in English rather than as its name. Customers are written to in their own language.
import { describe, expect, it } from 'vitest';
import { CATALOGUES, readerOf } from '../../src/notifications/reader';
import { renderCustomerNotice, renderDigest } from '../../src/notifications/templates';
import { customerNotice, digest } from './fixtures';

function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

describe('message catalogues', () => {
  const english = leaves(CATALOGUES.en).sort();

  it.each(Object.keys(CATALOGUES).filter((l) => l !== 'en'))('%s has every key of the English catalogue and no other', (language) => {
    const keys = leaves(CATALOGUES[language as keyof typeof CATALOGUES]).sort();
    expect(english.filter((k) => !keys.includes(k))).toEqual([]);
    expect(keys.filter((k) => !english.includes(k))).toEqual([]);
  });

  it('gives no empty text and keeps every placeholder of the English wording', () => {
    for (const [language, catalogue] of Object.entries(CATALOGUES)) {
      for (const key of leaves(catalogue)) {
        const text = key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], catalogue) as string;
        const original = key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], CATALOGUES.en) as string;
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        const placeholders = (t: string) => [...t.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(original));
      }
    }
  });

  it('falls back to English for a language without a catalogue', () => {
    const dutch = readerOf({ locale: 'nl-NL' });
    expect(dutch.t('notice.greeting', { name: 'Anna' })).toBe('Dear Anna,');
    expect(dutch.language).toBe('en-GB');
  });
});

describe('in the customer language', () => {
  const lines = [{ orderId: 'SO-1', lineId: '1', requested: 4, shipNow: 0, backordered: 4, expectedDate: '2026-12-07T23:30:00Z' }];

  it('writes to a German customer in German, dates and money in German style', () => {
    const { subject, text, html } = renderCustomerNotice(
      customerNotice({ lines, customer: { customerId: 'C-D', name: 'Berlin GmbH', contactName: 'Jonas Meyer', email: 'j@berlin.example', locale: 'de-DE', timeZone: 'Europe/Berlin' } }),
    );
    expect(subject).toBe('Lieferengpass bei VALVE-12: was er für Ihren Auftrag bedeutet');
    expect(text).toContain('Guten Tag Jonas Meyer,');
    expect(text).toContain('Erwartet: Dienstag, 8. Dezember 2026');
    expect(text).toMatch(/Ihrem Konto 50,00\s€ gut/);
    expect(html).toContain('<html lang="de-DE">');
  });

  it('writes to a Spanish customer in Spanish, dates and money in Spanish style', () => {
    const { subject, text, html } = renderCustomerNotice(
      customerNotice({ lines, customer: { customerId: 'C-E', name: 'Valencia SL', contactName: 'Lucía García', email: 'compras@valencia.example', locale: 'es-ES', timeZone: 'Europe/Madrid' } }),
    );
    expect(subject).toBe('Rotura de stock de VALVE-12: qué supone para su pedido');
    expect(text).toContain('Buenos días, Lucía García:');
    expect(text).toContain('Fecha prevista: martes, 8 de diciembre de 2026');
    expect(text).toMatch(/abonaremos 50,00\s€ en su cuenta/);
    expect(html).toContain('<html lang="es-ES">');
  });

  it('writes to a French customer in French, and the digest in the manager language', () => {
    const french = renderCustomerNotice(
      customerNotice({ lines, customer: { customerId: 'C-F', name: 'Lyon SA', email: 'achats@lyon.example', locale: 'fr-FR', timeZone: 'Europe/Paris' } }),
    );
    expect(french.text).toContain('Prévu le: mardi 8 décembre 2026');
    expect(french.text).toMatch(/créditerons votre compte de 50,00\s€/);
    expect(french.html).toContain('<html lang="fr-FR">');
    const manager = renderDigest(digest({ accountManager: { accountManagerId: 'AM-7', name: 'Zoé', email: 'zoe@supplier.example', locale: 'fr-FR' } }));
    expect(manager.text).toContain("Appelez d'abord ces clients");
    expect(manager.text).toContain('Prévu le: lundi 24 mars 2025');
  });
});
