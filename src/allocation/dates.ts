// Calendar days as whole numbers, from ISO dates ('YYYY-MM-DD', or a timestamp that starts with one).
// Date.UTC is a pure calculation, safe in workflow code; no clock is read.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01; NaN when the text does not start with a real calendar date. */
export function dayNumber(iso: string): number {
  const m = ISO_DATE.exec(iso);
  if (!m) return NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2024-02-31 over into March: a date that does not round-trip is not a date.
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return NaN;
  return ms / DAY_MS;
}

export const isIsoDate = (iso: string) => !Number.isNaN(dayNumber(iso));

/** `dayNumber`, remembered for each text it is given: a million lines share a few hundred dates. */
export function dayNumbers(): (iso: string) => number {
  const known = new Map<string, number>();
  return (iso) => {
    let day = known.get(iso);
    if (day === undefined) {
      day = dayNumber(iso);
      known.set(iso, day);
    }
    return day;
  };
}

/** The ISO date `days` calendar days after `iso` (before, for a negative count). */
export function addDays(iso: string, days: number): string {
  return new Date((dayNumber(iso) + days) * DAY_MS).toISOString().slice(0, 10);
}
