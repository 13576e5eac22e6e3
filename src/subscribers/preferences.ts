import type { Db } from '../store/db.js';
import { updatePreferences } from '../store/subscribers.js';
import type { Schedule } from './lifecycle.js';
import type { ReaderClock } from './reader-clock.js';

/** What a reader sets on their preferences page. */
export interface Preferences extends Partial<Schedule>, Partial<ReaderClock> {
  name: string | null;
  topics: string[];
  /** Until when no digest goes out (null: not paused). */
  pausedUntil: string | null;
}

/** Saves a reader's preferences; a schedule or clock field left out stays as it is. */
export async function savePreferences(db: Db, id: number, prefs: Preferences): Promise<void> {
  await updatePreferences(db, id, prefs);
}
