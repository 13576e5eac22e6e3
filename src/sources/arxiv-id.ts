/** An arXiv id, new style (`2509.04664`) or old style (`hep-th/9901001`), without its version: a regex source. */
const ID = String.raw`(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})`;

/** An id as a source gives it, with an optional version (`v2`). */
export const VERSIONED_ID = new RegExp(`^${ID}(?:v\\d+)?$`);
/** An arXiv abstract URL; group 1 is its id without the version. */
export const ABS_URL = new RegExp(`arxiv\\.org\\/abs\\/(${ID})(?:v\\d+)?$`);
const BARE_ID = new RegExp(`^${ID}$`);

/** An id the arXiv API's `id_list` takes: no version, as paperboy stores them. */
export function isArxivId(id: string): boolean {
  return BARE_ID.test(id);
}
