import type { DigestContent, IsoDate, Paper } from '../domain.js';
import { compactHtml } from './compact-html.js';
import {
  buildDigestView,
  type DigestView,
  type EditionOptions,
  type ViewSettings,
  wireMeasure,
} from './digest-view.js';
import { compileMjml } from './mjml-thread.js';
import type { DigestTemplates } from './templates.js';

/** One digest, compiled once: the stored content plus MJML's notes. */
export interface RenderedDigest extends DigestContent {
  /** MJML's notes on the compiled source (strict validation has already thrown on errors). */
  warnings: string[];
}

export async function renderView(
  templates: DigestTemplates,
  view: DigestView,
): Promise<{ html: string; warnings: string[] }> {
  const out = await compileMjml(
    templates.mjml(view),
    'templates/digest.mjml.hbs',
    'fix the template; nothing was sent',
  );
  return { html: compactHtml(out.html), warnings: out.warnings };
}

/**
 * HTML budget per message, in bytes on the wire (ViewSettings.wireBytes): Gmail clips at about
 * 102 KB; the per-recipient values need a little room.
 */
export const HTML_BUDGET = 90 * 1024 - 1024;

/**
 * The email of a set of papers that fits the budget: as it is when it fits (the usual case: one
 * compile); otherwise with shorter abstracts, then with the last papers moved to a "More today"
 * list of titles and links — no paper's title or link is ever dropped.
 */
async function renderWithinBudget(
  templates: DigestTemplates,
  papers: readonly Paper[],
  date: IsoDate,
  settings: ViewSettings,
  edition: EditionOptions,
): Promise<{ view: DigestView; html: string; warnings: string[] }> {
  let last: { view: DigestView; html: string; warnings: string[] } | null = null;
  const measure = wireMeasure(settings);
  const attempt = async (s: ViewSettings) => {
    const view = buildDigestView(papers, date, s, false, edition);
    const out = await renderView(templates, view);
    last = { view, ...out };
    return measure(out.html) <= HTML_BUDGET ? last : null;
  };
  for (const abstractChars of [320, 160, 0]) {
    const ok = await attempt({ ...settings, abstractChars });
    if (ok) return ok;
  }
  // The most cards that fit, by bisection (a handful of compiles, only on a heavy day). The "More
  // today" list repeats every title, so on a day of huge titles (2,000 characters, escaped `&`/`<`)
  // not even one card fits: then, as a last resort, the titles are cut too.
  for (const titleChars of [undefined, 120, 60]) {
    let best: { view: DigestView; html: string; warnings: string[] } | null = null;
    let lo = 1;
    let hi = papers.length - 1;
    while (lo <= hi) {
      const cards = Math.floor((lo + hi) / 2);
      const ok = await attempt({ ...settings, abstractChars: 0, cards, titleChars });
      if (ok) {
        best = ok;
        lo = cards + 1;
      } else hi = cards - 1;
    }
    if (best) return best;
  }
  const result = last;
  if (!result) throw new Error('unreachable: no render attempted');
  return result;
}

/** One reader edition of a digest: the email only (HTML and text with markers), within the budget. */
export async function renderEdition(
  templates: DigestTemplates,
  papers: readonly Paper[],
  date: IsoDate,
  settings: ViewSettings,
  edition: EditionOptions,
): Promise<{ subject: string; html: string; text: string }> {
  const { view, html } = await renderWithinBudget(templates, papers, date, settings, edition);
  return { subject: view.subject, html, text: templates.text(view) };
}

/** Renders the email (HTML and text with markers, within the budget) and the full web version of a digest. */
export async function renderDigest(
  templates: DigestTemplates,
  papers: readonly Paper[],
  date: IsoDate,
  settings: ViewSettings,
): Promise<RenderedDigest> {
  const webView = buildDigestView(papers, date, settings, true);
  const [email, web] = await Promise.all([
    renderWithinBudget(templates, papers, date, settings, {}),
    renderView(templates, webView),
  ]);
  return {
    date,
    subject: email.view.subject,
    preheader: email.view.preheader,
    html: email.html,
    text: templates.text(email.view),
    webHtml: web.html,
    webText: templates.text(webView),
    warnings: email.warnings,
  };
}
