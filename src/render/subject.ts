import { format, parseISO } from 'date-fns';
import type { IsoDate } from '../domain.js';
import { cutAtWord, oneLine } from './helpers.js';

// The subject line and the preheader of an email: pure, from the list's name, the date and the top paper.

const SUBJECT_MAX = 120;

const shortDates = new Map<string, string>();
/** `28 Nov 2026`, kept per date (date-fns' format costs about 10 µs, and every reader's subject has it). */
function shortDate(date: IsoDate): string {
  let d = shortDates.get(date);
  if (d === undefined) {
    d = format(parseISO(date), 'd MMM yyyy');
    if (shortDates.size > 1000) shortDates.clear();
    shortDates.set(date, d);
  }
  return d;
}

/** ` + 9 more`, ` (1 paper)`: how many papers the email has besides its top one. */
function countSuffix(count: number): string {
  return count > 1 ? ` + ${count - 1} more` : ' (1 paper)';
}

/**
 * `Daily Papers · 28 Nov 2026 · <top paper title> + 9 more` (weekly: `Daily Papers weekly · …`;
 * one paper: `… · <title> (1 paper)`), one line, at most 120 characters: the title is cut at a word
 * with `…` before the count, so the subject never ends with a raw title (a title ending in `?` costs
 * a spam point, rspamd's SUBJECT_ENDS_QUESTION). With no title, the list name and date alone.
 */
export function digestSubject(listName: string, date: IsoDate, topTitle: string, weekly = false, count = 1): string {
  // The list's name is at most 60 characters (config); cut here too, so the title keeps its room.
  const head = `${cutAtWord(oneLine(listName), 60)}${weekly ? ' weekly' : ''} · ${shortDate(date)} · `;
  const title = oneLine(topTitle);
  if (!title) return head;
  const tail = countSuffix(count);
  return head + cutAtWord(title, SUBJECT_MAX - head.length - tail.length) + tail;
}

/** The subject and preheader of an email of `count` papers whose first has the (view) title `topTitle`. */
export function editionHeading(
  listName: string,
  date: IsoDate,
  topTitle: string | null,
  count: number,
  weekly: boolean,
): { subject: string; preheader: string } {
  const more = count - 1;
  const preheader =
    topTitle !== null
      ? cutAtWord(
          `${weekly ? "This week's" : "Today's"} top paper: ${topTitle}${more > 0 ? ` — and ${more} more paper${more === 1 ? '' : 's'}` : ''}`,
          140,
        )
      : '';
  return {
    subject:
      topTitle !== null
        ? digestSubject(listName, date, topTitle, weekly, count)
        : `${digestSubject(listName, date, '', weekly)}no papers`,
    preheader,
  };
}
