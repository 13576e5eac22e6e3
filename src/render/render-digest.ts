import mjml2html from 'mjml';
import type { IsoDate, Paper } from '../domain.js';
import { PaperboyError } from '../errors.js';
import type { DigestContent } from '../store/digests.js';
import { buildDigestView, type DigestView, type EditionOptions, type ViewSettings } from './digest-view.js';
import type { DigestTemplates } from './templates.js';

/** One digest, compiled once: the stored content plus MJML's notes. */
export interface RenderedDigest extends DigestContent {
  /** MJML's notes on the compiled source (strict validation has already thrown on errors). */
  warnings: string[];
}

interface MjmlIssue {
  line: number;
  message: string;
  tagName: string;
}

async function compileMjml(source: string, label: string): Promise<{ html: string; warnings: string[] }> {
  try {
    const out = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
    return { html: out.html, warnings: out.errors.map((e) => `line ${e.line}: ${e.message}`) };
  } catch (err) {
    const issues = (err as { errors?: MjmlIssue[] }).errors;
    const first = issues?.[0];
    const detail = first ? `line ${first.line} of the generated MJML: ${first.message}` : (err as Error).message;
    const more = issues && issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new PaperboyError('ETEMPLATE', `${label}: MJML ${detail}${more}`, {
      hint: 'fix the template; nothing was sent',
      cause: err,
    });
  }
}

/** How many times MJML compiled in this process: one per digest and one per edition, never per reader. */
export const renderStats = { mjmlCompiles: 0 };

export async function renderView(
  templates: DigestTemplates,
  view: DigestView,
): Promise<{ html: string; warnings: string[] }> {
  renderStats.mjmlCompiles++;
  return compileMjml(templates.mjml(view), 'templates/digest.mjml.hbs');
}

/** One reader edition of a digest: the email only (HTML and text with markers), compiled once. */
export async function renderEdition(
  templates: DigestTemplates,
  papers: readonly Paper[],
  date: IsoDate,
  settings: ViewSettings,
  edition: EditionOptions,
): Promise<{ subject: string; html: string; text: string }> {
  const view = buildDigestView(papers, date, settings, false, edition);
  const { html } = await renderView(templates, view);
  return { subject: view.subject, html, text: templates.text(view) };
}

/** Renders the email (HTML with markers, text with markers) and the web version of a digest. */
export async function renderDigest(
  templates: DigestTemplates,
  papers: readonly Paper[],
  date: IsoDate,
  settings: ViewSettings,
): Promise<RenderedDigest> {
  const view = buildDigestView(papers, date, settings, false);
  const webView = buildDigestView(papers, date, settings, true);
  const [email, web] = await Promise.all([renderView(templates, view), renderView(templates, webView)]);
  return {
    date,
    subject: view.subject,
    preheader: view.preheader,
    html: email.html,
    text: templates.text(view),
    webHtml: web.html,
    webText: templates.text(webView),
    warnings: email.warnings,
  };
}
