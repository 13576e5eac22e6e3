/**
 * Refusals of the `rejected` kind in a row (no message accepted between them) that mean the relay
 * refuses every message, not a few readers': at least `REJECT_STREAK` across `REJECT_DOMAINS`
 * recipient domains (one domain that blocks the list fails its readers and the send goes on), or
 * `REJECT_STREAK_ONE_DOMAIN` to a single domain.
 */
export const REJECT_STREAK = 10;
export const REJECT_DOMAINS = 3;
export const REJECT_STREAK_ONE_DOMAIN = 100;

/** Consecutive `rejected` refusals of a send, and whether they mean the relay refuses them all. */
export class RejectStreak {
  /** Refusals in the streak. */
  length = 0;
  private readonly domains = new Set<string>();

  /** Counts a refusal to `email`; true when the streak now says the relay refuses every message. */
  add(email: string): boolean {
    this.length++;
    this.domains.add(email.slice(email.lastIndexOf('@') + 1).toLowerCase());
    return (
      (this.length >= REJECT_STREAK && this.domains.size >= REJECT_DOMAINS) || this.length >= REJECT_STREAK_ONE_DOMAIN
    );
  }

  /** A message was accepted: the streak is over. */
  clear(): void {
    if (this.length === 0) return;
    this.length = 0;
    this.domains.clear();
  }
}
