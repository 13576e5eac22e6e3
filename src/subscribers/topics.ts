import { oneLine } from '../text.js';

export const MAX_TOPICS = 20;
const MAX_TOPIC_CHARS = 60;

/**
 * Topics as typed ("sparse attention, RL; cs.LG"): split on commas and semicolons, trimmed, one
 * line, duplicates (ignoring case) dropped, at most 20 of at most 60 characters.
 */
export function parseTopics(input: string | null | undefined): string[] {
  if (!input) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of input.split(/[,;\n]/)) {
    const t = oneLine(raw).slice(0, MAX_TOPIC_CHARS);
    if (!t || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    out.push(t);
    if (out.length === MAX_TOPICS) break;
  }
  return out;
}
