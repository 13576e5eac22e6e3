import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { raw } from 'hono/html';
import type { AppContext } from '../../pipeline/context.js';
import { signTimedToken, verifyTimedToken } from '../../subscribers/tokens.js';
import { clientIp, isDirectLoopback, isLoopbackHost, requestHost } from '../client.js';
import { page } from '../layout.js';
import { failureLimiter } from '../rate-limit.js';
import { view } from './views.js';

const COOKIE = 'pb_admin';
const SESSION_SECONDS = 12 * 3600;
const NO_TOKEN = 'The admin answers only on this machine until PAPERBOY_ADMIN_TOKEN is set (openssl rand -hex 24).';
const BEHIND_PROXY =
  'Behind a reverse proxy (PAPERBOY_TRUST_PROXY=1) the admin, the API and the outbox need PAPERBOY_ADMIN_TOKEN: set one (openssl rand -hex 24) and restart paperboy.';

function sameSecret(a: string, b: string): boolean {
  const x = createHmac('sha256', 'cmp').update(a).digest();
  const y = createHmac('sha256', 'cmp').update(b).digest();
  return timingSafeEqual(x, y);
}

// The loopback admin has no session: its forms carry a token of this process, unknown elsewhere.
const LOOPBACK_SESSION = `loopback:${randomBytes(32).toString('base64url')}`;

/** The CSRF token of a session: forms under /admin carry it; a page of another site cannot know it. */
export function csrfToken(ctx: AppContext, c: Context): string {
  const session = (ctx.config.adminToken ? getCookie(c, COOKIE) : undefined) ?? LOOPBACK_SESSION;
  return createHmac('sha256', ctx.secret).update(`paperboy:csrf:${session}`).digest('base64url');
}

/** The admin's paths: pages, the JSON API and the outbox (which holds every reader's links). */
const ADMIN_PATHS = ['/admin', '/admin/*', '/api/*', '/outbox', '/outbox/*'];

/** Hosts the admin answers at: this machine's names and the host of PAPERBOY_BASE_URL. */
function hostAllowed(host: string, baseUrl: string): boolean {
  return host !== '' && (isLoopbackHost(host) || host === new URL(baseUrl).host);
}

/**
 * Admin authentication for the admin pages, /api and /outbox. With PAPERBOY_ADMIN_TOKEN: the API
 * takes `Authorization: Bearer TOKEN`, the pages a login form that sets an HttpOnly,
 * SameSite=Strict session cookie (12 h), signed with a key derived from the token so that a new
 * token ends every session. Without it: only a direct loopback client, and nobody behind a proxy
 * (PAPERBOY_TRUST_PROXY=1). Either way only at a Host of this machine or of PAPERBOY_BASE_URL
 * (DNS rebinding). Wrong tokens are rate-limited (5 per 15 minutes per client). Every POST with a
 * session or from loopback must carry the CSRF token.
 */
export function adminAuth(app: Hono, ctx: AppContext): void {
  const token = ctx.config.adminToken;
  const { trustProxy, baseUrl } = ctx.config;
  const tries = failureLimiter(5, 15 * 60_000);
  const secure = baseUrl.startsWith('https://');
  const client = (c: Context) => clientIp(c, trustProxy);
  const sessionKey = token ? createHmac('sha256', ctx.secret).update(`admin-session:${token}`).digest('hex') : '';

  const sessionOk = (c: Context) => {
    const v = getCookie(c, COOKIE);
    return token !== null && v !== undefined && verifyTimedToken(sessionKey, 'admin-session', v, SESSION_SECONDS).ok;
  };

  const refuse = (c: Context, status: 403 | 421, title: string, msg: string) =>
    c.req.path.startsWith('/api/')
      ? c.json({ error: msg }, status)
      : c.html(page(title, raw(view('message', { heading: title, text: msg, link: null }))), status);

  const loginPage = (error: string | null, next: string) => page('paperboy admin', raw(view('login', { error, next })));

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
              raw(
                view('message', {
                  heading: 'Refused',
                  text: 'This form is stale or came from another site. Reload the page and try again.',
                  link: null,
                }),
              ),
            ),
            403,
          );
    }
    return next();
  };

  const guard: MiddlewareHandler = async (c, next) => {
    const host = requestHost(c);
    if (!hostAllowed(host, baseUrl)) {
      return refuse(
        c,
        421,
        'Misdirected Request',
        `This server answers its admin at localhost, 127.0.0.1, [::1] or ${new URL(baseUrl).host} only, not at ${host || 'this host'} (Host header): a page of another site may be trying to reach it through DNS rebinding.`,
      );
    }
    const path = c.req.path;
    if (path === '/admin/login') return next();
    if (!token) {
      if (trustProxy) return refuse(c, 403, 'Admin not available', BEHIND_PROXY);
      if (isDirectLoopback(c)) return checkCsrf(c, next);
      return refuse(c, 403, 'Admin not available here', NO_TOKEN);
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) {
      if (tries.blocked(client(c))) return c.json({ error: 'too many wrong tokens: wait a few minutes' }, 429);
      if (sameSecret(bearer, token)) return next();
      tries.fail(client(c));
      ctx.log.warn({ event: 'admin.api.unauthorized', remote: client(c) }, 'wrong bearer token');
      return c.json({ error: 'wrong token' }, 401);
    }
    if (sessionOk(c)) return checkCsrf(c, next);
    if (path.startsWith('/api/')) {
      return c.json({ error: 'authentication required: Authorization: Bearer PAPERBOY_ADMIN_TOKEN' }, 401);
    }
    return c.redirect(`/admin/login?next=${encodeURIComponent(path)}`, 303);
  };
  for (const p of ADMIN_PATHS) app.use(p, guard);

  app.get('/admin/login', (c) => c.html(loginPage(null, c.req.query('next') ?? '/admin')));

  app.post('/admin/login', async (c) => {
    if (!token) return c.redirect('/admin', 303);
    if (tries.blocked(client(c))) return c.html(loginPage('Too many wrong tokens: wait a few minutes.', '/admin'), 429);
    const body = await c.req.parseBody();
    const next = String(body.next ?? '/admin');
    if (!sameSecret(String(body.token ?? ''), token)) {
      tries.fail(client(c));
      ctx.log.warn({ event: 'admin.login.failed', remote: client(c) }, 'wrong admin token');
      return c.html(loginPage('That is not the admin token.', next), 401);
    }
    setCookie(c, COOKIE, signTimedToken(sessionKey, 'admin-session', 1, Math.floor(Date.now() / 1000)), {
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      path: '/',
      maxAge: SESSION_SECONDS,
    });
    return c.redirect(/^\/(admin|outbox)(\/|$)/.test(next) ? next : '/admin', 303);
  });

  // Behind the guard: a page of another site cannot log the admin out (CSRF).
  app.post('/admin/logout', (c) => {
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/admin/login', 303);
  });
}
