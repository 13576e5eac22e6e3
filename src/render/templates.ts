import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { fileProblem, PaperboyError } from '../errors.js';
import { wrap } from './helpers.js';
import { MARKERS } from './personalize.js';

export type TemplateFn = (data: object) => string;

export interface DigestTemplates {
  dir: string;
  /** Handlebars → MJML source of the HTML part. */
  mjml: TemplateFn;
  /** Handlebars → plain-text part (no HTML escaping). */
  text: TemplateFn;
  /** The double opt-in email: MJML source and plain text. */
  confirmMjml: TemplateFn;
  confirmText: TemplateFn;
  /**
   * The same two templates with each paper's block (the `paper` and `paper-text` partials) between
   * card markers, for rendering every paper once per date and assembling readers' emails from the
   * blocks (fragments.ts). Null when the templates do not render papers through those partials.
   */
  cards: { mjml: TemplateFn; text: TemplateFn } | null;
}

/** Around each paper's block in `cards` renders (never in paper data: `=` is escaped or stripped). */
export const CARD_START = '=pb:e_card=';
export const CARD_END = '=pb:e_card_end=';

/** "templates/digest.mjml.hbs line 12: Expecting 'ID', got 'EOF'" from a Handlebars error. */
function templateError(file: string, err: unknown): PaperboyError {
  const message = (err as Error).message ?? String(err);
  const parse = /Parse error on line (\d+):[\s\S]*?\n(Expecting [^\n]*|.*)$/.exec(message);
  const runtime = /^(.*?) - (\d+):(\d+)$/m.exec(message);
  const detail = parse
    ? `line ${parse[1]}: ${parse[2]}`
    : runtime
      ? `line ${runtime[2]}: ${runtime[1]}`
      : message.split('\n')[0];
  return new PaperboyError('ETEMPLATE', `${file} ${detail}`, {
    hint: 'fix the template; nothing was sent',
    cause: err,
  });
}

function registerHelpers(hb: typeof Handlebars): void {
  /** A per-recipient value, filled in after compilation (see personalize.ts). */
  const markers: Record<string, string> = {
    unsubscribe_url: MARKERS.unsubscribeUrl,
    preferences_url: MARKERS.preferencesUrl,
    confirm_url: MARKERS.confirmUrl,
    email: MARKERS.email,
    vote_token: MARKERS.voteToken,
    feed_url: MARKERS.feedUrl,
  };
  hb.registerHelper('recipient', (key: unknown) => {
    const marker = markers[String(key)];
    if (!marker) {
      throw new Error(`unknown recipient value "${String(key)}" (use ${Object.keys(markers).join(', ')})`);
    }
    return new hb.SafeString(marker);
  });
  hb.registerHelper('wrap', (text: unknown, width: unknown, indent: unknown) =>
    wrap(String(text ?? ''), typeof width === 'number' ? width : 72, typeof indent === 'string' ? indent : ''),
  );
  /** `(join "TL;DR: " tldr)`: the strings one after the other (for `wrap` to wrap them as one). */
  hb.registerHelper('join', (...args: unknown[]) =>
    args
      .slice(0, -1)
      .map((a) => String(a ?? ''))
      .join(''),
  );
  hb.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (n === 1 ? one : many));
}

function compileFile(hb: typeof Handlebars, dir: string, file: string, noEscape: boolean): TemplateFn {
  const full = path.join(dir, file);
  const label = path.relative(process.cwd(), full) || full;
  let source: string;
  try {
    source = readFileSync(full, 'utf8');
  } catch (err) {
    throw new PaperboyError('ETEMPLATE', `${label} cannot be read: ${fileProblem(err)}`, {
      hint: 'check PAPERBOY_TEMPLATES_DIR',
    });
  }
  try {
    hb.parse(source);
  } catch (err) {
    throw templateError(label, err);
  }
  const fn = hb.compile(source, { strict: true, noEscape });
  return (data) => {
    try {
      return fn(data);
    } catch (err) {
      throw templateError(label, err);
    }
  };
}

/**
 * Loads `digest.mjml.hbs`, `digest.txt.hbs`, `confirm.mjml.hbs`, `confirm.txt.hbs` and every `partials/NAME.mjml.hbs` or `NAME.txt.hbs` (as partial NAME)
 * from `dir`, checking the syntax of each at once so that a broken template fails at start-up.
 */
export function loadTemplates(dir: string): DigestTemplates {
  const hb = Handlebars.create();
  const hbCards = Handlebars.create();
  registerHelpers(hb);
  registerHelpers(hbCards);
  const partialsDir = path.join(dir, 'partials');
  let partialFiles: string[] = [];
  try {
    partialFiles = readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'));
  } catch {}
  const names = new Set<string>();
  for (const file of partialFiles) {
    const full = path.join(partialsDir, file);
    const label = path.relative(process.cwd(), full) || full;
    const source = readFileSync(full, 'utf8');
    try {
      hb.parse(source);
    } catch (err) {
      throw templateError(label, err);
    }
    const name = file.replace(/\.(mjml|txt)?\.?hbs$/, '');
    names.add(name);
    hb.registerPartial(name, source);
    hbCards.registerPartial(
      name,
      name === 'paper'
        ? `<mj-raw>${CARD_START}</mj-raw>\n${source}\n<mj-raw>${CARD_END}</mj-raw>\n`
        : name === 'paper-text'
          ? `${CARD_START}${source}${CARD_END}`
          : source,
    );
  }
  return {
    dir,
    mjml: compileFile(hb, dir, 'digest.mjml.hbs', false),
    text: compileFile(hb, dir, 'digest.txt.hbs', true),
    confirmMjml: compileFile(hb, dir, 'confirm.mjml.hbs', false),
    confirmText: compileFile(hb, dir, 'confirm.txt.hbs', true),
    cards:
      names.has('paper') && names.has('paper-text')
        ? {
            mjml: compileFile(hbCards, dir, 'digest.mjml.hbs', false),
            text: compileFile(hbCards, dir, 'digest.txt.hbs', true),
          }
        : null,
  };
}
