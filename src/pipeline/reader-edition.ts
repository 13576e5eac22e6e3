import { editionReader } from '../send/edition-content.js';
import type { MessageContent } from '../send/message.js';
import type { Db } from '../store/db.js';
import { plannedEdition } from '../store/deliveries.js';
import { findDigest } from '../store/digests.js';

/** A reader's own edition of a date's digest ("View in browser"), if one was planned for them. */
export interface ReaderEdition {
  /** Whether there is a digest of that date at all. */
  digest: boolean;
  content: MessageContent | undefined;
}

/** Reads readers' editions: the digest of the date, the edition planned for the reader, its content. */
export function readerEditions(db: Db): (readerId: number, date: string) => Promise<ReaderEdition> {
  const readEdition = editionReader(db);
  return async (readerId, date) => {
    const digest = await findDigest(db, date);
    const editionId = digest ? await plannedEdition(db, digest.id, readerId) : null;
    const content = editionId !== null ? await readEdition(editionId) : undefined;
    return { digest: digest !== undefined, content };
  };
}
