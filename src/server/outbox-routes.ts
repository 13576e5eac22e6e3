import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { simpleParser } from 'mailparser';
import { escapeHtml } from '../render/helpers.js';
import { adminPage } from './admin/admin-page.js';
import { FRAMED_EMAIL_CSP } from './headers.js';
import { page } from './layout.js';
import { OUTBOX_FILE, outboxLister } from './outbox-list.js';

/**
 * `GET /outbox`: the messages of outbox mode, newest first (in the order they were written), each
 * viewable with its From, To, Subject and Date and the email framed (`/outbox/FILE`, the email's
 * HTML alone at `/outbox/FILE/html`), as text (`/outbox/FILE/text`) and raw (`/outbox/FILE/raw`).
 */
export function outboxRoutes(app: Hono, deps: { outboxDir: string | null }): void {
  const off = () =>
    page(
      'Outbox',
      html`<h1>The outbox is off</h1><p>PAPERBOY_SMTP_URL is set, so messages are sent by SMTP, not kept here.</p>`,
    );

  const list = deps.outboxDir ? outboxLister(deps.outboxDir) : null;
  app.get('/outbox', async (c) => {
    if (!deps.outboxDir || !list) return c.html(off(), 404);
    const { total, shown } = await list(200);
    const rows = shown.map(
      (
        m,
      ) => html`<tr><td class="nowrap">${m.date?.toISOString().replace('T', ' ').slice(0, 19) ?? ''}</td><td>${m.to}</td>
          <td><a href="/outbox/${m.name}">${m.subject ?? '(no subject)'}</a></td>
          <td><a href="/outbox/${m.name}/text">text</a> · <a href="/outbox/${m.name}/raw">raw</a></td></tr>`,
    );
    return c.html(
      adminPage(
        'Outbox',
        'outbox',
        html`<h1>Outbox</h1>
          <p class="muted">No SMTP server is configured (PAPERBOY_SMTP_URL), so every message is written to
          ${deps.outboxDir} instead of being sent. ${total} message${total === 1 ? '' : 's'}${
            total > shown.length ? `, the newest ${shown.length} shown` : ''
          }.</p>
          <div class="wrap-table"><table><tr><th class="nowrap">Date (UTC)</th><th>To</th><th>Subject</th><th></th></tr>${rows}</table></div>`,
      ),
    );
  });

  const load = async (name: string) => {
    if (!deps.outboxDir || !OUTBOX_FILE.test(name)) return null;
    return readFile(path.join(deps.outboxDir, name)).catch(() => null);
  };
  const notFound = () => page('Not found', html`<h1>No such message in the outbox</h1>`);

  // A message: who it is from and to, its subject and date, the way back, and the email itself
  // framed (its HTML in /outbox/FILE/html, which may run nothing).
  app.get('/outbox/:file', async (c) => {
    const name = c.req.param('file');
    const raw = await load(name);
    if (!raw) return c.html(notFound(), 404);
    const mail = await simpleParser(raw);
    const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).map((a) => a.text).join(', ');
    return c.html(
      adminPage(
        mail.subject ?? 'Message',
        'outbox',
        html`<p><a href="/outbox">← Outbox</a></p>
          <h1>${mail.subject ?? '(no subject)'}</h1>
          <table class="headers"><tbody>
            <tr><td>From</td><td>${mail.from?.text ?? ''}</td></tr>
            <tr><td>To</td><td>${to}</td></tr>
            <tr><td>Date</td><td>${mail.date?.toISOString().replace('T', ' ').slice(0, 19) ?? ''} UTC</td></tr>
          </tbody></table>
          <nav class="views"><b>HTML</b> <a href="/outbox/${name}/text">text</a> <a href="/outbox/${name}/raw">raw</a></nav>
          ${
            mail.html
              ? html`<iframe class="email" title="The email" src="/outbox/${name}/html"></iframe>`
              : html`<pre class="email-text">${mail.text ?? ''}</pre>`
          }`,
      ),
    );
  });

  app.get('/outbox/:file/html', async (c) => {
    const raw = await load(c.req.param('file'));
    if (!raw) return c.html(notFound(), 404);
    const mail = await simpleParser(raw);
    c.header('Content-Security-Policy', FRAMED_EMAIL_CSP); // framed by /outbox/FILE
    return c.html(mail.html || `<pre>${escapeHtml(mail.text ?? '')}</pre>`);
  });

  app.get('/outbox/:file/text', async (c) => {
    const raw = await load(c.req.param('file'));
    if (!raw) return c.html(notFound(), 404);
    const mail = await simpleParser(raw);
    return c.text(mail.text ?? '');
  });

  app.get('/outbox/:file/raw', async (c) => {
    const raw = await load(c.req.param('file'));
    if (!raw) return c.html(notFound(), 404);
    return c.text(raw.toString('utf8'));
  });
}
