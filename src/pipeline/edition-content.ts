import { PaperboyError } from '../errors.js';
import {
  assembleFromParts,
  type CompiledCard,
  type CompiledSkeleton,
  cardKey,
  compileCard,
  compilePart,
  type Recipe,
} from '../render/fragments.js';
import { CARD_START } from '../render/templates.js';
import type { MessageContent } from '../send/message.js';
import type { Db } from '../store/db.js';
import { type EditionPart, editionParts, storedEdition } from '../store/editions.js';

/** Parts kept in memory across editions: a day's cards in every variant, many times over. */
const PARTS_KEPT = 5000;

/**
 * Reads editions' contents for a send: a shared edition as it was compiled; a reader's own,
 * assembled again from the digest's parts by its recipe (the parts read once and kept, so each
 * further reader costs one small query and a concatenation).
 */
export function editionReader(db: Db): (id: number) => Promise<MessageContent | undefined> {
  const parts = new Map<string, { html: string; text: string; card?: CompiledCard; skeleton?: CompiledSkeleton }>();
  const at = (digestId: number, kind: EditionPart['kind'], key: string) => `${digestId}\n${kind}\n${key}`;
  const load = async (digestId: number, kind: EditionPart['kind'], keys: string[]) => {
    const missing = keys.filter((k) => !parts.has(at(digestId, kind, k)));
    if (missing.length === 0) return;
    if (parts.size + missing.length > PARTS_KEPT) parts.clear();
    for (const p of await editionParts(db, digestId, kind, [...new Set(missing)])) {
      parts.set(at(digestId, kind, p.key), { html: p.html, text: p.text });
    }
  };
  return async (id) => {
    const e = await storedEdition(db, id);
    if (!e) return undefined;
    if (e.recipe === null) return { subject: e.subject, html: e.html, text: e.text };
    const recipe = JSON.parse(e.recipe) as Recipe;
    const keys = e.papers.map((p) => cardKey(recipe.abstractChars, p.why !== null, p.paperId));
    await load(e.digestId, 'card', keys);
    await load(e.digestId, 'skeleton', [recipe.skeleton]);
    const lost = () =>
      new PaperboyError('ENOTFOUND', `edition ${id} cannot be assembled: a part of digest ${e.digestId} is missing`, {
        hint: 'the store lost part of the digest: restore it from a backup',
      });
    const whole = parts.get(at(e.digestId, 'skeleton', recipe.skeleton));
    const cut = whole ? whole.html.indexOf(CARD_START) : -1;
    const textCut = whole ? whole.text.indexOf(CARD_START) : -1;
    if (!whole || cut < 0 || textCut < 0) throw lost();
    // Split at the markers once per part, not per reader.
    whole.skeleton ??= {
      htmlHead: compilePart(whole.html.slice(0, cut)),
      htmlTail: compilePart(whole.html.slice(cut + CARD_START.length)),
      textHead: compilePart(whole.text.slice(0, textCut)),
      textTail: compilePart(whole.text.slice(textCut + CARD_START.length)),
    };
    const cards: CompiledCard[] = [];
    for (const k of keys) {
      const part = parts.get(at(e.digestId, 'card', k));
      if (!part) throw lost();
      part.card ??= compileCard(part);
      cards.push(part.card);
    }
    const out = assembleFromParts(
      whole.skeleton,
      cards,
      e.papers.map((p) => p.why),
      recipe,
    );
    return { subject: e.subject, html: out.html, text: out.text, pieces: out.pieces };
  };
}
