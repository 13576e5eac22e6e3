/**
 * Common LaTeX in paper titles and abstracts, made readable as plain Unicode text for emails, pages
 * and feeds: `$\ell_\infty$` → ℓ∞, `A \in \mathbb{R}^{d}` → A ∈ ℝᵈ, `\epsilon^{-2}` → ε⁻²,
 * ``` ``x'' ``` → “x”, `\%` → %. What it cannot map stays as written: an unknown command keeps its
 * backslash, a script with a character Unicode has no small form of keeps its `^{…}` (`^{n × d}`).
 * Pure; a text without a backslash, `$`, `^`, `_` or two backquotes is returned as it is.
 */

import { BLACKBOARD, CALLIGRAPHIC, SUB, SUPER } from './latex-letters.js';
import { PLAIN, SYMBOLS } from './latex-symbols.js';

const QUICK = /[\\$^_]|``/;

export function readableLatex(input: string): string {
  if (!QUICK.test(input)) return input;
  let s = input.replace(/``(.*?)''/gs, '“$1”');
  s = commands(s);
  s = scripts(s);
  // Math delimiters around what is now plain text: $x$ → x. A span that starts or ends with a
  // space is no math ("from $5 to $10"), and a lone $ stays.
  s = s.replace(
    /\$\$([^$]+)\$\$|\$([^$\s](?:[^$\n]*[^$\s])?)\$/g,
    (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '',
  );
  return s.replace(/\\\(|\\\)|\\\[|\\\]/g, '');
}

/** `\cmd{arg}` and `\cmd` replaced from the tables, innermost first; unknown ones kept. */
function commands(input: string): string {
  let s = input;
  // Arguments first, innermost first: \frac{a}{b} → a/b, \mathbb{R} → ℝ, \sqrt{x} → √x, \textbf{x} → x.
  for (let pass = 0; pass < 8; pass++) {
    const before = s;
    s = s.replace(/\\([a-zA-Z]+)\s*\{([^{}]*)\}(?:\s*\{([^{}]*)\})?/g, (m, cmd: string, a: string, b?: string) => {
      if (cmd === 'frac' || cmd === 'dfrac' || cmd === 'tfrac') {
        if (b === undefined) return m;
        return `${group(a)}/${group(b)}`;
      }
      const rest = b === undefined ? '' : `{${b}}`;
      if (cmd === 'mathbb' && [...a].every((c) => BLACKBOARD[c]))
        return [...a].map((c) => BLACKBOARD[c]).join('') + rest;
      if (cmd === 'mathcal' && [...a].every((c) => CALLIGRAPHIC[c]))
        return [...a].map((c) => CALLIGRAPHIC[c]).join('') + rest;
      if (cmd === 'sqrt') return `√${group(a)}${rest}`;
      if (PLAIN.has(cmd)) return a + rest;
      return m;
    });
    if (s === before) break;
  }
  // Commands without arguments: Greek, symbols, escapes. A word right after a letter command
  // gets a space back (`\alpha x`); before a letter it was the command's end (`\in R` → ∈ R).
  return s.replace(/\\([a-zA-Z]+|[,;:! %&#_{}$\\])( ?)/g, (m, cmd: string, space: string) => {
    const to = SYMBOLS[cmd];
    if (to === undefined) return m;
    return to + space;
  });
}

/** A braced group as text: `{n+1}` shown as `(n+1)` when it is more than one character. */
function group(a: string): string {
  const t = a.trim();
  return t.length <= 1 || /^[\p{L}\p{N}.]+$/u.test(t) ? t : `(${t})`;
}

/**
 * `x^{2}` → x², `a_i` → aᵢ, `\\ell_\\infty` → ℓ∞ when Unicode has every character; otherwise as
 * written. A script counts only after a one-letter name, a digit, a bracket or a symbol (`W_2`,
 * `O(n^2)`, `|x|_2`), and a one-character one only before a non-letter: `file_name`, `gpt_oss`
 * and the underscores of a URL are left alone.
 */
function scripts(input: string): string {
  return input.replace(
    /([\^_])(?:\{([^{}]*)\}|([\p{L}\p{N}∞*′†+−-])(?![\p{L}\p{N}]))/gu,
    (m, op: string, braced: string | undefined, one: string | undefined, at: number, all: string) => {
      const before = all.slice(Math.max(0, at - 2), at);
      const prev = before.at(-1) ?? '';
      if (!prev || /\s/.test(prev)) return m;
      // After a letter, only a one-letter name (the letter before it is no letter or digit), but
      // a braced script after any name (`argmin_{x}`: identifiers hardly ever hold `_{`).
      const name = /[A-Za-z]/.test(prev) && /[A-Za-z0-9]/.test(before.length === 2 ? (before[0] ?? '') : '');
      if (name && braced === undefined) return m;
      const table = op === '^' ? SUPER : SUB;
      const chars = [...(braced ?? one ?? '')];
      if (chars.length === 0 || !chars.every((c) => table[c] !== undefined)) return m;
      return chars.map((c) => table[c]).join('');
    },
  );
}
