import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { page } from './layout.js';

const FORM_LIMIT = 64 * 1024;
const JSON_LIMIT = 1024 * 1024;

const forms = bodyLimit({
  maxSize: FORM_LIMIT,
  onError: (c) =>
    c.html(
      page('Too large', html`<h1>Too large</h1><p>The request is too large: a form here takes at most 64 KB.</p>`),
      413,
    ),
});
const json = bodyLimit({
  maxSize: JSON_LIMIT,
  onError: (c) => c.json({ error: 'the request is too large: the API takes at most 1 MB of JSON' }, 413),
});

/** A CSV list uploaded in the admin: 32 MB (about 500,000 rows); larger lists go through the CLI. */
const UPLOAD_LIMIT = 32 * 1024 * 1024;
const upload = bodyLimit({
  maxSize: UPLOAD_LIMIT,
  onError: (c) =>
    c.html(
      page(
        'Too large',
        html`<h1>Too large</h1><p>An upload here takes at most 32 MB. Import a larger list with <code>paperboy subscribers import FILE.csv</code>.</p>`,
      ),
      413,
    ),
});

/**
 * Every body is capped before anything reads it: 1 MB for the JSON API, 32 MB for the admin's CSV upload, 64 KB elsewhere (forms).
 * A Content-Length over the cap is answered 413 at once; a chunked body as soon as it passes it.
 */
export const bodyLimits: MiddlewareHandler = (c, next) =>
  c.req.path.startsWith('/api/')
    ? json(c, next)
    : c.req.path === '/admin/subscribers/import'
      ? upload(c, next)
      : forms(c, next);

/** A form body that cannot be parsed (broken multipart) is the client's mistake: 400, never 500. */
export const readableForms: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type') ?? '';
  if (/^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(type)) {
    try {
      await c.req.parseBody(); // kept by Hono for the route's own parseBody()
    } catch {
      return c.html(
        page(
          'Bad request',
          html`<h1>Bad request</h1><p>The form could not be read: the body is not valid multipart/form-data or urlencoded data.</p>`,
        ),
        400,
      );
    }
  }
  return next();
};
