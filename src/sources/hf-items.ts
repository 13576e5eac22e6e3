import { z } from 'zod';
import type { Paper } from '../domain.js';
import { readableLatex } from '../latex.js';
import { oneLine } from '../text.js';
import { VERSIONED_ID } from './arxiv-id.js';
import type { SkippedItem, SourceResult } from './source.js';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date-time');

const paperSchema = z.looseObject({
  id: z.string().regex(VERSIONED_ID, 'not an arXiv id'),
  title: z.string().optional(),
  summary: z.string().optional(),
  authors: z.array(z.looseObject({ name: z.string(), hidden: z.boolean().optional() })).optional(),
  upvotes: z.number().int().min(0).optional(),
  publishedAt: isoTime.optional(),
  githubRepo: z.string().nullish(),
  ai_summary: z.string().nullish(),
  ai_keywords: z.array(z.string()).nullish(),
  withdrawnAt: z.string().nullish(),
});

const itemSchema = z.looseObject({
  paper: paperSchema,
  title: z.string().optional(),
  summary: z.string().optional(),
  publishedAt: isoTime.optional(),
  numComments: z.number().int().min(0).optional(),
  thumbnail: z.string().nullish(),
});

/**
 * Turns the Hugging Face daily papers answer (a JSON array of items) into papers. A malformed
 * item is skipped with its position and the reason; it never sinks the others.
 */
export function parseHfItems(body: unknown): Pick<SourceResult, 'papers' | 'skipped'> {
  if (!Array.isArray(body)) {
    return { papers: [], skipped: [{ index: -1, id: null, reason: 'the answer is not a JSON array of items' }] };
  }
  const papers: Paper[] = [];
  const skipped: SkippedItem[] = [];
  const seen = new Set<string>();
  body.forEach((raw: unknown, index) => {
    const rawId = (raw as { paper?: { id?: unknown } } | null)?.paper?.id;
    const id = typeof rawId === 'string' ? rawId : null;
    const parsed = itemSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'item';
      skipped.push({ index, id, reason: `${where}: ${issue?.message ?? 'invalid'}` });
      return;
    }
    const { paper, ...item } = parsed.data;
    // LaTeX made readable once, here: emails, pages, feeds and the reader models see the same text.
    const title = readableLatex(oneLine(item.title ?? paper.title ?? ''));
    const summary = readableLatex((item.summary ?? paper.summary ?? '').trim());
    const publishedAt = paper.publishedAt ?? item.publishedAt;
    const paperId = paper.id.replace(/v\d+$/, '');
    const reason =
      (!title && 'title: missing') ||
      (!publishedAt && 'publishedAt: missing') ||
      (paper.withdrawnAt && 'the paper was withdrawn') ||
      (seen.has(paperId) && 'the same paper appears earlier in the answer');
    if (reason || !publishedAt) {
      skipped.push({ index, id, reason: reason || 'publishedAt: missing' });
      return;
    }
    seen.add(paperId);
    papers.push({
      id: paperId,
      title,
      summary,
      authors: (paper.authors ?? []).map((a) => oneLine(a.name)).filter((a) => a.length > 0),
      upvotes: paper.upvotes ?? 0,
      publishedAt: new Date(publishedAt).toISOString(),
      githubRepo: paper.githubRepo ?? null,
      aiSummary: paper.ai_summary ? readableLatex(paper.ai_summary) : null,
      aiKeywords: paper.ai_keywords ?? [],
      numComments: item.numComments ?? 0,
      thumbnail: item.thumbnail ?? null,
      categories: [],
    });
  });
  return { papers, skipped };
}
