import type { Config } from '../config.js';
import type { ViewSettings } from '../render/digest-view.js';
import { MARKERS } from '../render/personalize.js';
import { qpEncode } from '../send/qp.js';

/**
 * A vote token at its longest: the id and the day in base 36, and a base64url SHA-256 (43).
 * It repeats twice on every card, so it is counted at this length; the other per-reader values
 * appear once each and fit in the 1 KB HTML_BUDGET leaves under 90 KB.
 */
const VOTE_TOKEN_LONGEST = 'x'.repeat(60);

/**
 * The reader's private feed URL (the footer's "Your private feed"), counted at 200 characters: a
 * base URL of up to 127 and `/feed/` with a token of at most 67 (id and version in base 36, 43 of
 * signature). Counted here rather than left to the 1 KB: it came after the others.
 */
const FEED_URL_LONGEST = 'x'.repeat(200);

/**
 * The bytes an HTML piece takes in a sent message: quoted-printable with CRLF line ends, as the
 * sender encodes each piece (send/assemble.ts), the vote tokens and the feed URL filled in at their
 * longest. The clipping budget is
 * measured in these.
 */
export function htmlWireBytes(html: string): number {
  return qpEncode(
    html.replaceAll(MARKERS.voteToken, VOTE_TOKEN_LONGEST).replaceAll(MARKERS.feedUrl, FEED_URL_LONGEST),
    false,
  ).length;
}

/** What the renderer needs of the settings, the same for the digest, every edition and previews. */
export function viewSettings(config: Config): ViewSettings {
  return {
    listName: config.listName,
    baseUrl: config.baseUrl,
    wireBytes: htmlWireBytes,
    brand: config.brand,
  };
}
