import type { DigestTemplates, TemplateFn } from '../../src/render/templates.js';

/**
 * The digest templates, counting the MJML sources they write: each is one MJML compile (a whole
 * email or a set of paper cards), so the count shows what the operator's templates were asked for.
 */
export function countingTemplates(templates: DigestTemplates): {
  templates: DigestTemplates;
  mjmlRenders: () => number;
} {
  let n = 0;
  const counted =
    (fn: TemplateFn): TemplateFn =>
    (data) => {
      n++;
      return fn(data);
    };
  return {
    templates: {
      ...templates,
      mjml: counted(templates.mjml),
      cards: templates.cards && { ...templates.cards, mjml: counted(templates.cards.mjml) },
    },
    mjmlRenders: () => n,
  };
}
