import { createHmac, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { AppContext } from '../../pipeline/context.js';
import { signTimedToken, verifyTimedToken } from '../../subscribers/tokens.js';
import { page } from '../layout.js';
import { failureLimiter } from '../rate-limit.js';

const COOKIE = 'pb_admin';
const SESSION_SECONDS = 12 * 3600;

function sameSecret(a: string, b: string): boolean {
  const x = createHmac('sha256', 'cmp').update(a).digest();
  const y = createHmac('sha256', 'cmp').update(b).digest();
  return timingSafeEqual(x, y);
}

function remote(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? '';
  } catch {
    return '';
  }
}

function isLoopback(c: Context): boolean {
  const a = remote(c);
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

/** The CSRF token of a session: forms under /admin carry it; a page of another site cannot know it. */
export function csrfToken(ctx: AppContext, c: Context): string {
  const session = getCookie(c, COOKIE) ?? 'loopback';
  return createHmac('sha256', ctx.secret).update(`paperboy:csrf:${session}`).digest('base64url');
}

export interface AdminAuth {
  /** Guards /admin/* and /api/*. */
  guard: MiddlewareHandler;
}

/**
 * Admin authentication. With PAPERBOY_ADMIN_TOKEN: the API takes `Authorization: Bearer TOKEN`, the
 * UI a login form that sets an HttpOnly, SameSite=Strict session cookie (12 h). Without it: the
 * admin answers on loopback only and says how to set a token. Wrong tokens are rate-limited
 * (5 per 15 minutes per client). Every POST under /admin must carry the session's CSRF token.
 */
export function adminAuth(app: Hono, ctx: AppContext): AdminAuth {
  const token = ctx.config.adminToken;
  const tries = failureLimiter(5, 15 * 60_000);
  const secure = ctx.config.baseUrl.startsWith('https://');

  const sessionOk = (c: Context) => {
    const v = getCookie(c, COOKIE);
    return v !== undefined && verifyTimedToken(ctx.secret, 'admin-session', v, SESSION_SECONDS).ok;
  };

  const loginPage = (error: string | null, next: string) =>
    page(
      'paperboy admin',
      html`<h1>paperboy admin</h1>
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/admin/login" class="signup">
          <input type="hidden" name="next" value="${next}">
          <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
          <button type="submit">Log in</button>
        </form>
        <p class="muted">The token is PAPERBOY_ADMIN_TOKEN in the server's settings.</p>`,
    );

  app.get('/admin/login', (c) => c.html(loginPage(null, c.req.query('next') ?? '/admin')));

  app.post('/admin/login', async (c) => {
    if (!token) return c.redirect('/admin', 303);
    if (tries.blocked(remote(c))) return c.html(loginPage('Too many wrong tokens: wait a few minutes.', '/admin'), 429);
    const body = await c.req.parseBody();
    const next = String(body.next ?? '/admin');
    if (!sameSecret(String(body.token ?? ''), token)) {
      tries.fail(remote(c));
      ctx.log.warn({ event: 'admin.login.failed', remote: remote(c) }, 'wrong admin token');
      return c.html(loginPage('That is not the admin token.', next), 401);
    }
    setCookie(c, COOKIE, signTimedToken(ctx.secret, 'admin-session', 1, Math.floor(Date.now() / 1000)), {
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      path: '/',
      maxAge: SESSION_SECONDS,
    });
    return c.redirect(next.startsWith('/admin') ? next : '/admin', 303);
  });

  app.post('/admin/logout', (c) => {
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/admin/login', 303);
  });

  const guard: MiddlewareHandler = async (c, next) => {
    const path = c.req.path;
    if (path === '/admin/login') return next();
    const api = path.startsWith('/api/');
    if (!token) {
      if (isLoopback(c)) return checkCsrf(c, next);
      const msg = 'The admin answers only on this machine until PAPERBOY_ADMIN_TOKEN is set (openssl rand -hex 24).';
      return api
        ? c.json({ error: msg }, 403)
        : c.html(page('Admin', html`<h1>Admin not available here</h1><p>${msg}</p>`), 403);
    }
    if (api) {
      const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (bearer !== undefined) {
        if (tries.blocked(remote(c))) return c.json({ error: 'too many wrong tokens: wait a few minutes' }, 429);
        if (sameSecret(bearer, token)) return next();
        tries.fail(remote(c));
        ctx.log.warn({ event: 'admin.api.unauthorized', remote: remote(c) }, 'wrong bearer token');
        return c.json({ error: 'wrong token' }, 401);
      }
      if (sessionOk(c)) return checkCsrf(c, next);
      return c.json({ error: 'authentication required: Authorization: Bearer PAPERBOY_ADMIN_TOKEN' }, 401);
    }
    if (sessionOk(c)) return checkCsrf(c, next);
    return c.redirect(`/admin/login?next=${encodeURIComponent(c.req.path)}`, 303);
  };

  /** State-changing requests with a cookie session (or from loopback) must carry the CSRF token. */
  const checkCsrf: MiddlewareHandler = async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const type = c.req.header('content-type') ?? '';
    // A page of another site cannot send JSON here without a CORS preflight, which is never granted.
    if (c.req.path.startsWith('/api/') && type.startsWith('application/json')) return next();
    const sent =
      c.req.header('x-csrf-token') ??
      (type.includes('form') ? String((await c.req.parseBody()).csrf ?? '') : undefined);
    if (!sent || !sameSecret(sent, csrfToken(ctx, c))) {
      return c.req.path.startsWith('/api/')
        ? c.json({ error: 'missing or wrong CSRF token' }, 403)
        : c.html(
            page(
              'Refused',
              html`<h1>Refused</h1><p>This form is stale or came from another site. Reload the page and try again.</p>`,
            ),
            403,
          );
    }
    return next();
  };

  return { guard };
}
