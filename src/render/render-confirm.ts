import { compileMjml } from './mjml-thread.js';
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
  /** `homeUrl`: the list's home page, the email's second link (its past digests, what it is). */
  settings: { listName: string; ttlDays: number; homeUrl: string },
): Promise<RenderedConfirm> {
  const subject = `Confirm your subscription to ${settings.listName}`;
  const view = { ...settings, subject };
  const out = await compileMjml(templates.confirmMjml(view), 'templates/confirm.mjml.hbs', 'fix the template');
  return { subject, html: out.html, text: templates.confirmText(view) };
}
