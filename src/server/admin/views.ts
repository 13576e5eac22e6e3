import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { errorMessage, PaperboyError } from '../../errors.js';

/**
 * The admin pages' Handlebars templates (templates/admin/*.hbs, the same folder from src/ and dist/),
 * compiled once when this module loads. Every `{{value}}` is escaped by Handlebars.
 */
const DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'templates', 'admin');

export type View = (data: object) => string;

/**
 * Handlebars also escapes `=` (as `&#x3D;`) and writes `'` as `&#x27;`; every attribute here is
 * quoted, so `=` needs no escape: undone, the pages stay byte for byte what they were (`&#39;`).
 */
const tidy = (s: string) => s.replaceAll('&#x3D;', '=').replaceAll('&#x27;', '&#39;');

function load(): Map<string, View> {
  const hb = Handlebars.create();
  const views = new Map<string, View>();
  let files: string[];
  try {
    files = readdirSync(DIR).filter((f) => f.endsWith('.hbs'));
  } catch (err) {
    throw new PaperboyError('ETEMPLATE', `the admin templates cannot be read from ${DIR}: ${errorMessage(err)}`, {
      hint: "they ship in the project's templates/admin/, beside src/ and dist/",
      cause: err,
    });
  }
  for (const file of files) {
    // Without the file's last newline: a page is the template's text and nothing after it.
    const source = readFileSync(path.join(DIR, file), 'utf8').replace(/\n$/, '');
    const name = file.replace(/\.hbs$/, '');
    try {
      hb.parse(source); // a broken template fails when the server starts, not on its page's first view
    } catch (err) {
      throw new PaperboyError('ETEMPLATE', `templates/admin/${file}: ${errorMessage(err)}`, { cause: err });
    }
    if (name.startsWith('_')) hb.registerPartial(name.slice(1), source);
    else {
      const fn = hb.compile(source, { strict: true });
      views.set(name, (data) => tidy(fn(data)));
    }
  }
  return views;
}

const VIEWS = load();

/** Renders templates/admin/NAME.hbs with `data`. */
export function view(name: string, data: object): string {
  const fn = VIEWS.get(name);
  if (!fn) throw new PaperboyError('ETEMPLATE', `no admin template ${name}.hbs in ${DIR}`);
  return fn(data);
}
