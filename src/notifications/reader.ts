// Who reads an email or an answer page, and how it is written for them: the catalogue's language, numbers and
// money in the reader's locale, dates in the reader's time zone. Pure (the catalogues are loaded in memory once).
import i18next from 'i18next';
import { de } from './catalogues/de';
import { en } from './catalogues/en';
import { es } from './catalogues/es';
import { fr } from './catalogues/fr';
import { nl } from './catalogues/nl';
import { pl } from './catalogues/pl';
import { remembered } from './remembered';

type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
type BaseKey<K extends string> = K extends `${infer B}_${PluralSuffix}` ? B : K;
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${BaseKey<K>}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** A key of the catalogues, plural forms named by their base key (i18next picks the form from `count`). */
export type MessageKey = Leaves<typeof en>;
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The languages the catalogues are written in; English is the fallback for any other language and for a missing key. */
export const CATALOGUES = { en, de, es, fr, nl, pl } as const;
export type Language = keyof typeof CATALOGUES;

const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(Object.entries(CATALOGUES).map(([language, translation]) => [language, { translation }])),
  lng: 'en',
  fallbackLng: 'en',
  initAsync: false,
  // Values arrive formatted and are escaped by the renderer; a value is never read as a key or a nesting.
  interpolation: { escapeValue: false, skipOnVariables: true },
  returnEmptyString: false,
  showSupportNotice: false,
});

export interface Reader {
  /** The reader's own locale: numbers and money are written in its style. */
  locale: string;
  /** The language the text is written in: the HTML's lang, and dates are written in it. */
  language: string;
  timeZone: string;
  t: Translate;
}

const DEFAULT_READER = { locale: 'en-GB', timeZone: 'UTC' };

export function readerOf(person: { locale?: string | undefined; timeZone?: string | undefined }): Reader {
  const locale = person.locale ?? DEFAULT_READER.locale;
  const { catalogue, language } = languageFor(locale);
  return { locale, language, timeZone: person.timeZone ?? DEFAULT_READER.timeZone, t: (key, values) => translated(catalogue, key, values) };
}

/** Each catalogue's translate function, made once. */
const fixedT = Object.fromEntries(Object.keys(CATALOGUES).map((c) => [c, i18n.getFixedT(c) as unknown as (key: string, values?: object) => string])) as Record<
  Language,
  (key: string, values?: object) => string
>;

// i18next only fills values in here (no formatting, nesting or escaping of them; `count` picks the plural form),
// so the text around the values is the same whatever they are: a sentence's shape is asked of i18next once per
// catalogue, key, value names and count, as pieces of text and the indexes of the values between them, and each
// sentence only joins them. Lookup and interpolation were two fifths of rendering a notice, and most sentences
// carry a name or an id, so remembering whole sentences mostly missed.
const shapes = remembered<(string | number)[]>(2_000);
const SLOT = /\uFDD0(\d+)\uFDD1/;

function translated(catalogue: Language, key: string, values: Record<string, string | number> | undefined): string {
  if (values === undefined) return shapeOf(catalogue, key, [], undefined)[0] as string;
  const names = Object.keys(values).filter((name) => name !== 'count');
  const shape = shapeOf(catalogue, key, names, values.count);
  let sentence = '';
  for (let i = 0; i < shape.length; i++) sentence += i % 2 === 0 ? (shape[i] as string) : String(values[names[shape[i] as number]!] ?? '');
  return sentence;
}

function shapeOf(catalogue: Language, key: string, names: string[], count: string | number | undefined): (string | number)[] {
  return shapes(`${catalogue}\u0000${key}\u0000${names.join('\u0000')}\u0000${count ?? ''}`, () => {
    // A slot per value, marked with noncharacters no catalogue holds.
    const slots = Object.fromEntries(names.map((name, i) => [name, `\uFDD0${i}\uFDD1`]));
    const text = fixedT[catalogue](key, count === undefined ? slots : { ...slots, count });
    return text.split(SLOT).map((piece, i) => (i % 2 === 0 ? piece : Number(piece)));
  });
}

/**
 * The catalogue a locale reads and the language its text (and dates) are written in: the reader's own variant
 * (de-DE, de-AT, fr-CA, en-US…) where there is a catalogue, British English for any other language, so an
 * English sentence never carries a Swedish date.
 */
function languageFor(locale: string): { catalogue: Language; language: string } {
  return languages(locale, () => languageOf(locale));
}

// Each notice and digest asks for its reader's language, and an Intl.Locale costs more than the lookup.
const languages = remembered<{ catalogue: Language; language: string }>(1000);

function languageOf(locale: string): { catalogue: Language; language: string } {
  const tag = new Intl.Locale(locale);
  return tag.language in CATALOGUES ? { catalogue: tag.language as Language, language: tag.baseName } : { catalogue: 'en', language: DEFAULT_READER.locale };
}

// Intl formatters cost far more to make than to use, and a notice stage formats figures and dates of thousands
// of notices: one formatter per language (or locale) and options, made on first use.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(locale: string, options?: Intl.NumberFormatOptions): Intl.NumberFormat {
  // A quantity (no options) is what a notice formats most, once per figure: its key needs no JSON.
  const key = options ? `number ${locale} ${JSON.stringify(options)}` : `number ${locale}`;
  let format = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!format) formatters.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}
function dateFormat(language: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `date ${language} ${JSON.stringify(options)}`;
  let format = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) formatters.set(key, (format = new Intl.DateTimeFormat(language, options)));
  return format;
}

// Formatting a date to parts was the costliest step left of a notice's rendering, for the few dates a stage shows.
const dateParts = remembered<[string, string, string]>(10_000);

/**
 * A date in three parts, the weekday (with what follows it), the day and month, and the year (with what leads
 * to it), so a narrow column may wrap between them, and only there: "martes, | 8 de diciembre | de 2026". A
 * calendar date is shown as that date wherever the reader is (a UTC conversion would move it a day); an instant
 * as the date it falls on in the reader's time zone. Written in the text's language, so an English sentence never
 * carries a French date.
 */
export function formatDateParts(value: string, reader: Pick<Reader, 'language' | 'timeZone'>): [string, string, string] {
  return dateParts(`${reader.language}\u0000${reader.timeZone}\u0000${value}`, () => datePartsOf(value, reader));
}

function datePartsOf(value: string, reader: Pick<Reader, 'language' | 'timeZone'>): [string, string, string] {
  const calendarDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parts = dateFormat(reader.language, {
    dateStyle: 'full',
    timeZone: calendarDate ? 'UTC' : reader.timeZone,
  }).formatToParts(new Date(calendarDate ? `${value}T00:00:00Z` : value));
  const text = (from: number, to?: number) => parts.slice(from, to).map((p) => p.value).join('');
  const weekday = parts.findIndex((p) => p.type === 'weekday');
  const year = parts.findIndex((p) => p.type === 'year');
  // The weekday leads and the year ends in the languages of the catalogues; elsewhere the date stays one piece.
  if (weekday !== 0 || parts[1]?.type !== 'literal' || year !== parts.length - 1 || parts[year - 1]?.type !== 'literal') return ['', text(0), ''];
  // Punctuation before the year stays with the month ("December 8, | 2026"), words go with the year ("| de 2026").
  const [, stay, lead] = /^(\S*)(.*)$/su.exec(parts[year - 1]!.value)!;
  return [text(0, 2), text(2, year - 1) + stay, lead + parts[year]!.value];
}

// Every notice of a stage has a footer, with one instant in a handful of zones.
const dateTimeParts = remembered<[string, string, string]>(10_000);

/**
 * An instant as its date and time in the reader's time zone and the text's language, in three parts, the date,
 * the words between and the time, so a narrow screen may wrap between them: "8 December 2026 | at | 14:05".
 */
export function formatDateTimeParts(value: string, reader: Pick<Reader, 'language' | 'timeZone'>): [string, string, string] {
  return dateTimeParts(`${reader.language}\u0000${reader.timeZone}\u0000${value}`, () => {
    const parts = dateFormat(reader.language, { dateStyle: 'long', timeStyle: 'short', timeZone: reader.timeZone }).formatToParts(new Date(value));
    const text = (from: number, to?: number) => parts.slice(from, to).map((p) => p.value).join('');
    const hour = parts.findIndex((p) => p.type === 'hour');
    // The date leads in the languages of the catalogues; elsewhere the whole stays one piece.
    if (hour < 2 || parts[hour - 1]!.type !== 'literal') return ['', '', text(0)];
    return [text(0, hour - 1), parts[hour - 1]!.value, text(hour)];
  });
}

export function formatQuantity(value: number, reader: Pick<Reader, 'locale'>): string {
  return numberFormat(reader.locale).format(value);
}

export function formatMoney(amount: number, currency: string, reader: Pick<Reader, 'locale'>, signed = false): string {
  return numberFormat(reader.locale, {
    style: 'currency',
    currency,
    signDisplay: signed ? 'exceptZero' : 'auto',
  }).format(amount);
}

/** A price difference: money when the currency is known, else a plain signed number. */
export function formatPriceDelta(delta: number, currency: string | undefined, reader: Pick<Reader, 'locale'>): string {
  return currency
    ? formatMoney(delta, currency, reader, true)
    : numberFormat(reader.locale, { signDisplay: 'exceptZero', maximumFractionDigits: 2 }).format(delta);
}
