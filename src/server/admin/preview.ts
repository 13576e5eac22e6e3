import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { errorMessage } from '../../errors.js';
import type { AppContext } from '../../pipeline/context.js';
import { type Preview, previewDigest } from '../../pipeline/preview.js';
import { dateProblem } from '../../select/dates.js';
import { readableHeaders } from '../../send/mime-header.js';
import { findSubscriberByEmail } from '../../store/subscribers.js';
import { normalizeEmail } from '../../subscribers/email.js';
import { dateInZone } from '../../time-zone.js';
import { FRAMED_EMAIL_CSP } from '../headers.js';
import { adminPage } from './admin-page.js';

const GMAIL_CLIP = 102 * 1024;
const BUDGET = 90 * 1024;
const VIEWS = ['desktop', 'mobile', 'dark', 'text', 'headers'] as const;

/** The email's dark-mode rules applied unconditionally: what a reader in dark mode sees. */
export function forceDark(htmlText: string): string {
  return htmlText.replace(/@media\s*\(prefers-color-scheme:\s*dark\)/g, '@media all');
}

/**
 * `/admin/preview?date=D[&subscriber=EMAIL][&view=desktop|mobile|dark|text|headers]`: the exact
 * email (same render path as a send) at desktop width, at 375 px, in dark mode, as plain text, and
 * its headers; its HTML size against Gmail's clipping limit; MJML's warnings.
 */
export function adminPreview(app: Hono, ctx: AppContext): void {
  const load = async (c: Context): Promise<Preview | string> => {
    const date = c.req.query('date') ?? dateInZone(new Date(), ctx.config.timezone);
    const problem = dateProblem(date);
    if (problem) return problem;
    const email = c.req.query('subscriber');
    let subscriber: Awaited<ReturnType<typeof findSubscriberByEmail>>;
    if (email) {
      const normalized = normalizeEmail(email);
      subscriber = normalized ? await findSubscriberByEmail(ctx.db, normalized) : undefined;
      if (!subscriber) return `${email} is not a subscriber`;
    }
    const edition = c.req.query('edition');
    if (edition !== undefined && !/^\d+$/.test(edition)) return `edition "${edition}" is not an edition number`;
    try {
      return await previewDigest(ctx, date, subscriber, edition === undefined ? undefined : Number(edition));
    } catch (err) {
      return errorMessage(err);
    }
  };

  app.get('/admin/preview/html', async (c) => {
    const p = await load(c);
    if (typeof p === 'string') return c.text(p, 400);
    c.header('Content-Security-Policy', FRAMED_EMAIL_CSP); // framed by /admin/preview
    return c.html(c.req.query('dark') === '1' ? forceDark(p.html) : p.html);
  });

  app.get('/admin/preview', async (c) => {
    const p = await load(c);
    if (typeof p === 'string')
      return c.html(adminPage('Preview', 'preview', html`<h1>No preview</h1><p>${p}</p>`), 400);
    const view = (VIEWS as readonly string[]).includes(c.req.query('view') ?? '')
      ? (c.req.query('view') as (typeof VIEWS)[number])
      : 'desktop';
    const sub = c.req.query('subscriber');
    const edition = c.req.query('edition');
    const q = (extra: Record<string, string>) =>
      `?${new URLSearchParams({ date: p.date, ...(sub ? { subscriber: sub } : {}), ...(edition ? { edition } : {}), ...extra }).toString()}`;
    const bytes = Buffer.byteLength(p.html);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const headEnd = p.eml.indexOf('\r\n\r\n');
    const headers = p.eml.slice(0, headEnd === -1 ? undefined : headEnd);
    const body =
      view === 'text'
        ? html`<pre class="email-text">${p.text}</pre>`
        : view === 'headers'
          ? html`<table class="headers"><tbody>${readableHeaders(headers).map(
              (h) => html`<tr><td>${h.name}</td><td>${h.value}</td></tr>`,
            )}</tbody></table>
            <p class="muted">Encoded words decoded and folded lines joined, as a mail program shows them; <a href="/admin/preview${q({ view: 'text' })}">the text part</a> shows the body.</p>`
          : html`<iframe class="email ${view}" title="The email, ${view}" src="/admin/preview/html${q(view === 'dark' ? { dark: '1' } : {})}"></iframe>`;
    return c.html(
      adminPage(
        `Preview ${p.date}`,
        'preview',
        html`<h1>Preview of ${p.date}${sub ? html` for ${sub}` : ''}${edition ? html`, edition #${edition}` : ''}</h1>
          <p><b>${p.subject}</b></p>
          <p class="muted">${
            p.of === 'nothing'
              ? 'This reader gets no email for this date: nothing matches their topics.'
              : p.stored
                ? 'As stored for this date (what was or is being sent).'
                : 'Rendered now: this date has not been sent.'
          }</p>
          <p>HTML size: <b>${kb(bytes)}</b> — ${
            bytes > GMAIL_CLIP
              ? html`<span class="error">over Gmail's clipping limit (102 KB)</span>`
              : bytes > BUDGET
                ? `over paperboy's 90 KB budget, under Gmail's 102 KB clipping limit`
                : `under Gmail's 102 KB clipping limit`
          }</p>
          ${p.warnings.length ? html`<p class="error">MJML warnings:</p><ul>${p.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : html`<p class="muted">No MJML warnings.</p>`}
          <nav class="views">${VIEWS.map((v) => (v === view ? html`<b>${v}</b> ` : html`<a href="/admin/preview${q({ view: v })}">${v}</a> `))}</nav>
          ${body}`,
      ),
    );
  });
}
