import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, hfItem, sourceFile, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

const TITLE = 'Certified $\\ell_\\infty$ Robustness at 10\\times the Speed';
const ABSTRACT =
  "Given $A \\in \\mathbb{R}^{d}$ we reach $O(\\epsilon^{-2})$ queries, a ``free lunch'' for 95\\% of models.";

const TLDR = 'Bounds $\\ell_2$ error by $\\sqrt{n} \\times \\epsilon$.';

describe('LaTeX in a paper, as a reader sees it', () => {
  it('reads as Unicode in the email (HTML and text), the web version and the feed', async () => {
    sink = await startSmtpSink();
    app = await startTestApp((dir) => ({
      PAPERBOY_SMTP_URL: sink?.url ?? '',
      PAPERBOY_SOURCE: sourceFile(dir, [
        { ...hfItem('2511.00001', TITLE, 50, { summary: ABSTRACT, ai_summary: TLDR }), summary: ABSTRACT },
        hfItem('2511.00002', 'A plain second paper', 10),
      ]),
    }));
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const readableTitle = 'Certified ℓ∞ Robustness at 10× the Speed';
    const readableAbstract = 'Given A ∈ ℝᵈ we reach O(ε⁻²) queries, a “free lunch” for 95% of models.';
    const mail = sink.to('ada@example.com')[0]?.mail;
    expect(mail?.subject).toBe(`Daily Papers · 28 Nov 2026 · ${readableTitle} + 1 more`);
    expect(mail?.text).toContain(readableTitle);
    // The text part wraps at 72 columns.
    expect(String(mail?.text).replace(/\s+/g, ' ')).toContain(readableAbstract);
    expect(mail?.html).toContain(readableTitle);
    expect(String(mail?.html).replace(/\s+/g, ' ')).toContain(
      'Given A ∈ ℝᵈ we reach O(ε⁻²) queries, a “free lunch” for 95% of models.',
    );
    // The TL;DR (Hugging Face's AI summary) goes through the same conversion.
    expect(mail?.text).toContain('\n    TL;DR: Bounds ℓ₂ error by √n × ε.\n');
    expect(mail?.html).toContain('<b>TL;DR</b> Bounds ℓ₂ error by √n × ε.</div>');
    for (const part of [mail?.text ?? '', mail?.html ?? ''])
      expect(part).not.toMatch(/\\(ell|infty|times|epsilon|in)\b/);

    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const web = await (await fetch(`${http.url}/digests/2026-11-28`)).text();
    expect(web).toContain(readableTitle);
    const feed = await (await fetch(`${http.url}/feed.xml`)).text();
    expect(feed).toContain(readableTitle);
    expect(feed).not.toContain('\\ell');
  });
});
