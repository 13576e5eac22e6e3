/** A reader's votes on papers ("More like this", "Less like this"): what their next digests learn from. */
import type { Paper } from '../domain.js';
import type { Db } from '../store/db.js';
import {
  forgetAllVotes,
  forgetVote,
  recordVote,
  type StoredVote,
  type VoteValue,
  votablePaper,
  voteOf,
  votesOf,
} from '../store/votes.js';

export type { StoredVote, VoteValue };

/** The paper, when a vote link of `date` may be about it (a candidate of that digest or the week before). */
export async function paperToVoteOn(db: Db, paperId: string, date: string): Promise<Paper | undefined> {
  return votablePaper(db, paperId, date);
}

/** The latest vote per reader and paper wins; `unchanged` when it was already so. */
export async function castVote(
  db: Db,
  v: { subscriberId: number; paperId: string; vote: VoteValue; digestDate: string },
): Promise<'recorded' | 'unchanged'> {
  return recordVote(db, v);
}

/** Forgets one vote ("Undo", "Forget this"); false when there was none. */
export async function forgetOneVote(db: Db, subscriberId: number, paperId: string): Promise<boolean> {
  return forgetVote(db, subscriberId, paperId);
}

/** Forgets every vote of a reader ("Start over"); how many. */
export async function startOver(db: Db, subscriberId: number): Promise<number> {
  return forgetAllVotes(db, subscriberId);
}

/** A reader's current vote on a paper, if any. */
export async function currentVote(db: Db, subscriberId: number, paperId: string): Promise<VoteValue | null> {
  return voteOf(db, subscriberId, paperId);
}

/** A reader's votes, newest first, with their papers. */
export async function readerVotes(db: Db, subscriberId: number): Promise<StoredVote[]> {
  return votesOf(db, subscriberId);
}
