/** Pure text helpers used by the templates and the view model. */
import { oneLine } from '../text.js';

export { oneLine };

/** "A, B, C et al." beyond `max` authors; "A, B and C" otherwise. */
export function shortAuthors(authors: readonly string[], max = 3): string {
  if (authors.length === 0) return '';
  if (authors.length > max) return `${authors.slice(0, max).join(', ')} et al.`;
  if (authors.length === 1) return authors[0] ?? '';
  return `${authors.slice(0, -1).join(', ')} and ${authors.at(-1)}`;
}

/**
 * Cuts `text` to at most `max` characters (UTF-16 units) at a word boundary, adding an ellipsis
 * when cut. A cut never splits a character outside the BMP (an emoji, 𝔽): half of one would go out
 * as U+FFFD.
 */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const slice = text.slice(0, max - 1).replace(/[\ud800-\udbff]$/, '');
  const space = slice.lastIndexOf(' ');
  return `${(space > max * 0.6 ? slice.slice(0, space) : slice).replace(/[\s,;:.-]+$/, '')}…`;
}

const SENTENCE_END = /(?<=[.!?])\s+(?=["'([]?[A-Z0-9])/;

/**
 * The first sentences of an abstract that fit in `max` characters. When even the first sentence is
 * longer, it is cut at a word boundary with an ellipsis.
 */
export function shortAbstract(summary: string, max = 320): string {
  // 0 means no abstract (the clipping guard's step); cutAtWord(text, 0) would keep nearly all of it.
  if (max <= 0) return '';
  const text = oneLine(summary);
  if (text.length <= max) return text;
  let out = '';
  for (const sentence of text.split(SENTENCE_END)) {
    const next = out ? `${out} ${sentence}` : sentence;
    if (next.length > max) break;
    out = next;
  }
  return out || cutAtWord(text, max);
}

/** The URL when it is an absolute http(s) URL, otherwise null: no `javascript:` or `data:` link ever. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** Wraps text at `width` columns, every line after the first indented by `indent`. */
export function wrap(text: string, width = 72, indent = ''): string {
  const words = oneLine(text).split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent.length) {
      lines.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(line);
  return lines.join(`\n${indent}`);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

/** The same escaping as Handlebars' `{{ }}`, for values put into HTML after compilation. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c] ?? c);
}
