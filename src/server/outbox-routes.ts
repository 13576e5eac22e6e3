import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { simpleParser } from 'mailparser';
import { escapeHtml } from '../render/helpers.js';
import { EMAIL_CSP } from './headers.js';
import { page } from './layout.js';

const FILE = /^[A-Za-z0-9@._-]+\.eml$/;

/**
 * `GET /outbox`: the messages of outbox mode, newest first, each viewable as rendered HTML
 * (`/outbox/FILE`), as text (`/outbox/FILE/text`) and raw (`/outbox/FILE/raw`).
 */
export function outboxRoutes(app: Hono, deps: { outboxDir: string | null }): void {
  const off = () =>
    page(
      'Outbox',
      html`<h1>The outbox is off</h1><p>PAPERBOY_SMTP_URL is set, so messages are sent by SMTP, not kept here.</p>`,
    );

  app.get('/outbox', async (c) => {
    if (!deps.outboxDir) return c.html(off(), 404);
    const dir = deps.outboxDir;
    const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => FILE.test(f));
    const files = await Promise.all(
      names.map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })),
    );
    files.sort((a, b) => b.mtime - a.mtime || a.name.localeCompare(b.name));
    const shown = files.slice(0, 200);
    const rows = await Promise.all(
      shown.map(async (f) => {
        const mail = await simpleParser(await readFile(path.join(dir, f.name)));
        const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
        return html`<tr><td>${mail.date?.toISOString().replace('T', ' ').slice(0, 16) ?? ''}</td><td>${to}</td>
          <td><a href="/outbox/${f.name}">${mail.subject ?? '(no subject)'}</a></td>
          <td><a href="/outbox/${f.name}/text">text</a> · <a href="/outbox/${f.name}/raw">raw</a></td></tr>`;
      }),
    );
    return c.html(
      page(
        'Outbox',
        html`<h1>Outbox</h1>
          <p class="muted">No SMTP server is configured (PAPERBOY_SMTP_URL), so every message is written to
          ${dir} instead of being sent. ${files.length} message${files.length === 1 ? '' : 's'}${
            files.length > shown.length ? `, the newest ${shown.length} shown` : ''
          }.</p>
          <table><tr><th>Date</th><th>To</th><th>Subject</th><th></th></tr>${rows}</table>`,
      ),
    );
  });

  const load = async (name: string) => {
    if (!deps.outboxDir || !FILE.test(name)) return null;
    return readFile(path.join(deps.outboxDir, name)).catch(() => null);
  };
  const notFound = () => page('Not found', html`<h1>No such message in the outbox</h1>`);

  app.get('/outbox/:file', async (c) => {
    const raw = await load(c.req.param('file'));
    if (!raw) return c.html(notFound(), 404);
    const mail = await simpleParser(raw);
    c.header('Content-Security-Policy', EMAIL_CSP);
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
