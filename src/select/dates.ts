import { addDays, isValid, parseISO } from 'date-fns';
import type { IsoDate } from '../domain.js';
import { dateInZone } from '../time-zone.js';

/** True for a real calendar date written `YYYY-MM-DD` (2026-02-30 is not one). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = parseISO(value);
  return isValid(d) && formatIso(d) === value;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * Why a value is not a date, for a person: `"2026-13-01": month 13 is out of range (01 to 12)`,
 * `"2026-02-30": February 2026 has 28 days`, `"27/11/2026" is not a date in the form YYYY-MM-DD`.
 * Null for a date.
 */
export function dateProblem(value: string): string | null {
  if (isIsoDate(value)) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return `"${value}" is not a date in the form YYYY-MM-DD (e.g. 2026-11-27)`;
  const [year, month] = [Number(m[1]), Number(m[2])];
  if (month < 1 || month > 12) return `"${value}": month ${m[2]} is out of range (01 to 12)`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `"${value}": ${MONTHS[month - 1]} ${year} has ${days} days, so day ${m[3]} does not exist`;
}

/** Local-time `YYYY-MM-DD` of a date parsed by parseISO (which reads date-only strings as local midnight). */
function formatIso(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The latest date a digest may be sent for at `instant`: tomorrow in `timeZone` — a day of slack
 * for readers ahead of that zone, who already live in it. Later dates are refused unless forced.
 */
export function latestSendDate(instant: Date, timeZone: string): IsoDate {
  return formatIso(addDays(parseISO(dateInZone(instant, timeZone)), 1));
}
