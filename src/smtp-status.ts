/**
 * RFC 3463 enhanced status codes, read alike from an SMTP reply (send/) and from a bounce report
 * (subscribers/dsn.ts).
 */

/** The enhanced status code, alone or after the reply code: "550 5.1.1 …" → [5, 1, 1]. */
export function enhancedStatus(reply: string): [number, number, number] | null {
  const m = /^(?:\d{3}[ -])?([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * What a failure's status says, whether permanent (5.x.x) or temporary (4.x.x), in an SMTP reply or
 * a bounce report: about the address (X.1 addressing, X.2.1 mailbox disabled, X.4.1 and X.4.4: the
 * address's domain takes no mail, Microsoft answers an unknown address 5.4.1), a full mailbox
 * (X.2.2), or only this message (policy, content, size, the sending system: X.7.x, X.6.x, X.3.4,
 * X.4.5 quota …), which says nothing about the reader and is never a bounce of theirs.
 */
export function statusKind([, subject, detail]: readonly [number, number, number]): 'address' | 'full' | 'message' {
  if (subject === 1 || (subject === 2 && detail === 1) || (subject === 4 && (detail === 1 || detail === 4))) {
    return 'address';
  }
  if (subject === 2 && detail === 2) return 'full';
  return 'message';
}
