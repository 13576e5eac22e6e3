import { PaperboyError } from '../errors.js';
import { assembleFromParts } from '../render/assemble-parts.js';
import {
  type CompiledCard,
  type CompiledSkeleton,
  cardKey,
  compileCard,
  compileSkeleton,
  type Recipe,
  skeletonOfPart,
} from '../render/parts.js';
import type { Db } from '../store/db.js';
import { type EditionPart, editionParts, storedEdition } from '../store/editions.js';
import type { MessageContent } from './message-content.js';

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
  /** Reads the parts not in memory yet; when it must make room, all the wanted ones (none is dropped). */
  const load = async (digestId: number, cards: readonly string[], skeleton: string) => {
    const missing = (kind: EditionPart['kind'], keys: readonly string[]) =>
      [...new Set(keys)].filter((k) => !parts.has(at(digestId, kind, k)));
    let wanted = { card: missing('card', cards), skeleton: missing('skeleton', [skeleton]) };
    const count = wanted.card.length + wanted.skeleton.length;
    if (count === 0) return;
    if (parts.size + count > PARTS_KEPT) {
      parts.clear();
      wanted = { card: missing('card', cards), skeleton: [skeleton] };
    }
    for (const kind of ['card', 'skeleton'] as const) {
      if (wanted[kind].length === 0) continue;
      for (const p of await editionParts(db, digestId, kind, wanted[kind])) {
        parts.set(at(digestId, kind, p.key), { html: p.html, text: p.text });
      }
    }
  };
  return async (id) => {
    const e = await storedEdition(db, id);
    if (!e) return undefined;
    if (e.recipe === null) return { subject: e.subject, html: e.html, text: e.text };
    const recipe = JSON.parse(e.recipe) as Recipe;
    const keys = e.papers.map((p, i) =>
      cardKey(recipe.abstractChars, p.why !== null, p.paperId, i < (recipe.top ?? 0)),
    );
    await load(e.digestId, keys, recipe.skeleton);
    const lost = () =>
      new PaperboyError('ENOTFOUND', `edition ${id} cannot be assembled: a part of digest ${e.digestId} is missing`, {
        hint: 'the store lost part of the digest: restore it from a backup',
      });
    const whole = parts.get(at(e.digestId, 'skeleton', recipe.skeleton));
    if (!whole) throw lost();
    // Split and compiled once per part, not per reader.
    if (!whole.skeleton) {
      const skeleton = skeletonOfPart(whole);
      if (!skeleton) throw lost();
      whole.skeleton = compileSkeleton(skeleton);
    }
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
