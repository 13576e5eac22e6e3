import mjml2html from 'mjml';
import { PaperboyError } from '../errors.js';
import { MJML_OPTIONS } from './render-digest.js';
import type { DigestTemplates } from './templates.js';

export interface RenderedConfirm {
  subject: string;
  /** With the `email` and `confirm_url` markers still to fill. */
  html: string;
  text: string;
}

/** The double opt-in email, compiled once per process: only the address and the link differ per message. */
export async function renderConfirm(
  templates: DigestTemplates,
  settings: { listName: string; ttlDays: number },
): Promise<RenderedConfirm> {
  const subject = `Confirm your subscription to ${settings.listName}`;
  const view = { ...settings, subject };
  try {
    const out = await mjml2html(templates.confirmMjml(view), MJML_OPTIONS);
    return { subject, html: out.html, text: templates.confirmText(view) };
  } catch (err) {
    if (err instanceof PaperboyError) throw err;
    const first = (err as { errors?: { line: number; message: string }[] }).errors?.[0];
    throw new PaperboyError(
      'ETEMPLATE',
      `templates/confirm.mjml.hbs: MJML ${first ? `line ${first.line} of the generated MJML: ${first.message}` : (err as Error).message}`,
      { hint: 'fix the template', cause: err },
    );
  }
}
