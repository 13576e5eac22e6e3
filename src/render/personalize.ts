import { escapeHtml } from './helpers.js';

/**
 * Per-recipient values are left in the compiled digest as markers and filled in per message, so
 * MJML and Handlebars run once per digest. A marker starts with "=", which Handlebars escapes in
 * every external string (`&#x3D;`), so paper data can never forge one in the HTML; `stripMarkers`
 * removes them from data bound for the plain-text part.
 */
export const MARKERS = {
  unsubscribeUrl: '=pb:unsubscribe_url=',
  preferencesUrl: '=pb:preferences_url=',
  confirmUrl: '=pb:confirm_url=',
  email: '=pb:email=',
  voteToken: '=pb:vote_token=',
  feedUrl: '=pb:feed_url=',
} as const;

/** The values one message fills in; a template uses only some of them. */
export type RecipientValues = Partial<Record<keyof typeof MARKERS, string>>;

const MARKER_RE = /=pb:(unsubscribe_url|preferences_url|confirm_url|email|vote_token|feed_url)=/g;
const KEYS: Record<string, keyof typeof MARKERS> = {
  unsubscribe_url: 'unsubscribeUrl',
  preferences_url: 'preferencesUrl',
  confirm_url: 'confirmUrl',
  email: 'email',
  vote_token: 'voteToken',
  feed_url: 'feedUrl',
};

/** Fills the markers of a compiled part with one recipient's values (HTML-escaped for `html`). */
export function personalize(compiled: string, values: RecipientValues, kind: 'html' | 'text'): string {
  return compiled.replace(MARKER_RE, (_m, key: string) => {
    const value = values[KEYS[key] ?? 'email'];
    if (value === undefined) throw new Error(`no value for the marker ${key}: the message builder must supply it`);
    return kind === 'html' ? escapeHtml(value) : value;
  });
}

export function stripMarkers(s: string): string {
  return s.replace(/=pb:/g, '= pb:');
}
