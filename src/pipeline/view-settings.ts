import type { Config } from '../config.js';
import type { ViewSettings } from '../render/digest-view.js';
import { qpEncode } from '../send/qp.js';

/**
 * The bytes an HTML piece takes in a sent message: quoted-printable with CRLF line ends, as the
 * sender encodes each piece (send/assemble.ts). The clipping budget is measured in these.
 */
export function htmlWireBytes(html: string): number {
  return qpEncode(html, false).length;
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
