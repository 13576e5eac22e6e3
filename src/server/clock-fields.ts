import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';
import { clockTime, ZONES } from '../subscribers/reader-clock.js';

/**
 * A reader's zone and hour on the sign-up and preferences forms. The zone is a text field with a
 * list of every zone (`<datalist>`): without script it is an editable select (pick, or type
 * `europe/berlin`); with script the sign-up page fills it from the browser's own zone until the
 * reader types. The hour is a select of 00:00 … 23:00 (at the schedule's minute).
 */
export function clockFields(values: { timezone: string; hour: number; minute: number; chosen: boolean }) {
  return html`<label>Time zone <span class="muted">(your digest comes at your hour in this zone)</span>
      <input type="text" name="timezone" id="timezone" list="zones" maxlength="64" autocomplete="off" spellcheck="false"
        value="${values.timezone}"${values.chosen ? raw(' data-chosen') : ''}></label>
    <datalist id="zones">${raw(ZONE_OPTIONS)}</datalist>
    <label>Delivery time
      <select name="hour">
        ${Array.from(
          { length: 24 },
          (_, h) =>
            html`<option value="${h}"${h === values.hour ? raw(' selected') : ''}>${clockTime(h, values.minute)}</option>`,
        )}
      </select></label>`;
}

/** The zones as options, built once (the names are Intl's: letters, digits, `/`, `_`, `+`, `-`). */
const ZONE_OPTIONS = ZONES.map((z) => `<option value="${z}">`).join('');

/** Fills the zone field from the browser's zone, unless the reader chose one (a form sent back with an error). */
const ZONE_SCRIPT = `(function () {
  var f = document.getElementById('timezone');
  if (!f || f.hasAttribute('data-chosen')) return;
  try {
    var z = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (z) f.value = z;
  } catch (e) {}
})();`;

/** The script, placed after the form. */
export const zoneScript = raw(`<script>${ZONE_SCRIPT}</script>`);

/** The CSP source that lets exactly this script run (and no other). */
export const ZONE_SCRIPT_SOURCE = `'sha256-${createHash('sha256').update(ZONE_SCRIPT).digest('base64')}'`;
