/** RFC 3464 delivery status notifications, read from the raw message text (pure). */
import { enhancedStatus, statusKind } from '../smtp-status.js';

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
 * A failed report about the address is a bounce: hard for 5.x.x, soft for 4.x.x and a full mailbox
 * (5.2.2). One about the message only (policy, content, size, quota: 5.7.1 spam, 5.7.26 DMARC,
 * 4.7.x) is no bounce of the reader (`refused`), by the same rule as the send's SMTP replies
 * (`statusKind`): with a sender setting wrong, every reader at one provider would be marked
 * bounced. Delays, successes and reports without a status are not bounces.
 */
export function bounceKind(r: DsnRecipient): 'hard' | 'soft' | 'refused' | null {
  if (r.action !== 'failed') return null;
  const status = enhancedStatus(r.status);
  if (!status || status[0] === 2) return null;
  const kind = statusKind(status);
  if (kind === 'message') return 'refused';
  return status[0] === 5 && kind === 'address' ? 'hard' : 'soft';
}
