/** RFC 3464 delivery status notifications, read from the raw message text (pure). */
import { enhancedStatus, permanentStatusKind } from '../send/retry.js';

export interface DsnRecipient {
  recipient: string;
  action: string;
  /** RFC 3463 status, e.g. `5.1.1`. */
  status: string;
  diagnostic: string | null;
}

export interface ParsedDsn {
  /** The report's own Message-ID (to apply each report once). */
  messageId: string | null;
  /** `bounce+TOKEN@…` tokens found in the report (the VERP envelope sender of the original). */
  verpTokens: string[];
  /** The Message-ID of the message that bounced, echoed in the report's attached headers. */
  originalMessageId: string | null;
  recipients: DsnRecipient[];
}

const VERP = /bounce\+([0-9a-z]{1,11}\.[A-Za-z0-9_-]{43})@/g;

function unfold(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n');
}

/** Reads a DSN; a message that is not one gives no recipients. */
export function parseDsn(raw: string): ParsedDsn {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split === -1 ? text : text.slice(0, split);
  const body = split === -1 ? '' : text.slice(split + 2);
  const headLines = unfold(head);
  const messageId = headLines.map((l) => /^message-id:\s*(<[^>\s]+>)/i.exec(l)?.[1]).find(Boolean) ?? null;
  const verpTokens = [...new Set([...text.matchAll(VERP)].map((m) => m[1] ?? ''))].filter(Boolean);
  const bodyLines = unfold(body);
  const originalMessageId = bodyLines.map((l) => /^message-id:\s*(<[^>\s]+>)/i.exec(l)?.[1]).find(Boolean) ?? null;

  const recipients: DsnRecipient[] = [];
  let current: Partial<DsnRecipient> | null = null;
  const flush = () => {
    if (current?.recipient && current.action && current.status) {
      recipients.push({
        recipient: current.recipient,
        action: current.action,
        status: current.status,
        diagnostic: current.diagnostic ?? null,
      });
    }
    current = null;
  };
  for (const line of bodyLines) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const field = m[1].toLowerCase();
    const value = (m[2] ?? '').trim();
    if (field === 'final-recipient') {
      flush();
      current = { recipient: value.replace(/^rfc822;\s*/i, '').replace(/^<|>$/g, '') };
    } else if (current && field === 'action') current.action = value.toLowerCase();
    else if (current && field === 'status') current.status = /^\d\.\d{1,3}\.\d{1,3}/.exec(value)?.[0] ?? value;
    else if (current && field === 'diagnostic-code') current.diagnostic = value.replace(/^smtp;\s*/i, '');
  }
  flush();
  return { messageId, verpTokens, originalMessageId, recipients };
}

/**
 * A failed 5.x.x about the address is hard, a full mailbox (5.2.2) or a failed 4.x.x soft; a
 * failed 5.x.x about the message only (policy, content, size, quota: 5.7.1 spam, 5.7.26 DMARC) is
 * no bounce of the reader (`refused`): with a sender setting wrong, every reader at one provider
 * would be marked bounced. Delays and successes are not bounces.
 */
export function bounceKind(r: DsnRecipient): 'hard' | 'soft' | 'refused' | null {
  if (r.action !== 'failed') return null;
  if (r.status.startsWith('4.')) return 'soft';
  const status = r.status.startsWith('5.') ? enhancedStatus(r.status) : null;
  if (!status) return null;
  const kind = permanentStatusKind(status);
  return kind === 'address' ? 'hard' : kind === 'full' ? 'soft' : 'refused';
}
