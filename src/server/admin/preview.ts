import type { Context, Hono } from 'hono';
import { previewForAdmin } from '../../pipeline/admin-preview.js';
import type { AppContext } from '../../pipeline/context.js';
import type { Preview } from '../../pipeline/preview.js';
import { readableHeaders } from '../../send/mime-header.js';
import { dateInZone } from '../../time-zone.js';
import { FRAMED_EMAIL_CSP } from '../headers.js';
import { adminMessage, adminView } from './admin-page.js';

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
  const load = async (c: Context): Promise<Preview | string> =>
    previewForAdmin(
      ctx,
      c.req.query('date') ?? dateInZone(new Date(), ctx.config.timezone),
      c.req.query('subscriber'),
      c.req.query('edition'),
    );

  app.get('/admin/preview/html', async (c) => {
    const p = await load(c);
    if (typeof p === 'string') return c.text(p, 400);
    c.header('Content-Security-Policy', FRAMED_EMAIL_CSP); // framed by /admin/preview
    return c.html(c.req.query('dark') === '1' ? forceDark(p.html) : p.html);
  });

  app.get('/admin/preview', async (c) => {
    const p = await load(c);
    if (typeof p === 'string') return c.html(adminMessage('Preview', 'preview', 'No preview', p), 400);
    const view = (VIEWS as readonly string[]).includes(c.req.query('view') ?? '')
      ? (c.req.query('view') as (typeof VIEWS)[number])
      : 'desktop';
    const sub = c.req.query('subscriber');
    const edition = c.req.query('edition');
    const q = (extra: Record<string, string>) =>
      `?${new URLSearchParams({ date: p.date, ...(sub ? { subscriber: sub } : {}), ...(edition ? { edition } : {}), ...extra }).toString()}`;
    const bytes = Buffer.byteLength(p.html);
    const headEnd = p.eml.indexOf('\r\n\r\n');
    const headers = p.eml.slice(0, headEnd === -1 ? undefined : headEnd);
    return c.html(
      adminView(`Preview ${p.date}`, 'preview', 'preview', {
        date: p.date,
        subscriber: sub ?? null,
        edition: edition ?? null,
        subject: p.subject,
        of:
          p.of === 'nothing'
            ? 'This reader gets no email for this date: nothing matches their topics.'
            : p.stored
              ? 'As stored for this date (what was or is being sent).'
              : 'Rendered now: this date has not been sent.',
        size: `${(bytes / 1024).toFixed(1)} KB`,
        clipped: bytes > GMAIL_CLIP,
        sizeNote:
          bytes > BUDGET
            ? `over paperboy's 90 KB budget, under Gmail's 102 KB clipping limit`
            : `under Gmail's 102 KB clipping limit`,
        warnings: p.warnings,
        views: VIEWS.map((v) => ({ name: v, current: v === view, href: q({ view: v }) })),
        text: view === 'text' ? p.text : null,
        headers: view === 'headers' ? readableHeaders(headers) : null,
        textHref: q({ view: 'text' }),
        frame: view === 'text' || view === 'headers' ? null : { view, href: q(view === 'dark' ? { dark: '1' } : {}) },
      }),
    );
  });
}
