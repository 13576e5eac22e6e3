/**
 * Common LaTeX in paper titles and abstracts, made readable as plain Unicode text for emails, pages
 * and feeds: `$\ell_\infty$` → ℓ∞, `A \in \mathbb{R}^{d}` → A ∈ ℝᵈ, `\epsilon^{-2}` → ε⁻²,
 * ``` ``x'' ``` → “x”, `\%` → %. What it cannot map stays as written: an unknown command keeps its
 * backslash, a script with a character Unicode has no small form of keeps its `^{…}` (`^{n × d}`).
 * Pure; a text without a backslash, `$`, `^`, `_` or two backquotes is returned as it is.
 */

const SYMBOLS: Record<string, string> = {
  // Greek
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ε',
  varepsilon: 'ε',
  zeta: 'ζ',
  eta: 'η',
  theta: 'θ',
  vartheta: 'ϑ',
  iota: 'ι',
  kappa: 'κ',
  lambda: 'λ',
  mu: 'μ',
  nu: 'ν',
  xi: 'ξ',
  pi: 'π',
  varpi: 'ϖ',
  rho: 'ρ',
  varrho: 'ϱ',
  sigma: 'σ',
  varsigma: 'ς',
  tau: 'τ',
  upsilon: 'υ',
  phi: 'φ',
  varphi: 'φ',
  chi: 'χ',
  psi: 'ψ',
  omega: 'ω',
  Gamma: 'Γ',
  Delta: 'Δ',
  Theta: 'Θ',
  Lambda: 'Λ',
  Xi: 'Ξ',
  Pi: 'Π',
  Sigma: 'Σ',
  Upsilon: 'Υ',
  Phi: 'Φ',
  Psi: 'Ψ',
  Omega: 'Ω',
  // Relations and operators
  in: '∈',
  notin: '∉',
  ni: '∋',
  subset: '⊂',
  subseteq: '⊆',
  supset: '⊃',
  supseteq: '⊇',
  cup: '∪',
  cap: '∩',
  setminus: '∖',
  emptyset: '∅',
  varnothing: '∅',
  times: '×',
  cdot: '·',
  cdots: '⋯',
  ldots: '…',
  dots: '…',
  pm: '±',
  mp: '∓',
  div: '÷',
  ast: '∗',
  star: '⋆',
  circ: '∘',
  bullet: '•',
  oplus: '⊕',
  otimes: '⊗',
  leq: '≤',
  le: '≤',
  geq: '≥',
  ge: '≥',
  neq: '≠',
  ne: '≠',
  approx: '≈',
  sim: '∼',
  simeq: '≃',
  cong: '≅',
  equiv: '≡',
  propto: '∝',
  ll: '≪',
  gg: '≫',
  prec: '≺',
  succ: '≻',
  to: '→',
  rightarrow: '→',
  leftarrow: '←',
  leftrightarrow: '↔',
  Rightarrow: '⇒',
  Leftarrow: '⇐',
  Leftrightarrow: '⇔',
  implies: '⟹',
  iff: '⟺',
  mapsto: '↦',
  uparrow: '↑',
  downarrow: '↓',
  infty: '∞',
  partial: '∂',
  nabla: '∇',
  forall: '∀',
  exists: '∃',
  neg: '¬',
  lnot: '¬',
  land: '∧',
  wedge: '∧',
  lor: '∨',
  vee: '∨',
  sum: '∑',
  prod: '∏',
  int: '∫',
  oint: '∮',
  sqrt: '√',
  ell: 'ℓ',
  hbar: 'ℏ',
  Re: 'ℜ',
  Im: 'ℑ',
  aleph: 'ℵ',
  dagger: '†',
  ddagger: '‡',
  perp: '⊥',
  parallel: '∥',
  mid: '∣',
  langle: '⟨',
  rangle: '⟩',
  lceil: '⌈',
  rceil: '⌉',
  lfloor: '⌊',
  rfloor: '⌋',
  top: '⊤',
  prime: '′',
  degree: '°',
  checkmark: '✓',
  // Functions are words: \log → log
  log: 'log',
  ln: 'ln',
  exp: 'exp',
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  max: 'max',
  min: 'min',
  arg: 'arg',
  argmax: 'argmax',
  argmin: 'argmin',
  sup: 'sup',
  inf: 'inf',
  lim: 'lim',
  det: 'det',
  dim: 'dim',
  poly: 'poly',
  Pr: 'Pr',
  // Spacing and text escapes
  quad: ' ',
  qquad: ' ',
  ',': ' ',
  ';': ' ',
  ':': ' ',
  '!': '',
  ' ': ' ',
  '%': '%',
  '&': '&',
  '#': '#',
  _: '_',
  '{': '{',
  '}': '}',
  $: '$',
  textbackslash: '\\',
  textasciitilde: '~',
  S: '§',
  P: '¶',
  dag: '†',
  copyright: '©',
  LaTeX: 'LaTeX',
  TeX: 'TeX',
  '\\': ' ',
};

/** Commands whose one argument is shown as it is (`\textbf{x}` → x). */
const PLAIN = new Set([
  'text',
  'textbf',
  'textit',
  'textrm',
  'textsf',
  'texttt',
  'emph',
  'mathrm',
  'mathbf',
  'mathit',
  'mathsf',
  'mathtt',
  'boldsymbol',
  'bm',
  'operatorname',
  'mbox',
  'underline',
  'overline',
  'hat',
  'tilde',
  'bar',
  'vec',
  'widehat',
  'widetilde',
  'mathnormal',
  'textsc',
  'textup',
  'textnormal',
]);

const BLACKBOARD: Record<string, string> = { R: 'ℝ', N: 'ℕ', Z: 'ℤ', Q: 'ℚ', C: 'ℂ', P: 'ℙ', E: '𝔼', F: '𝔽' };
const CALLIGRAPHIC: Record<string, string> = {
  A: '𝒜',
  B: 'ℬ',
  C: '𝒞',
  D: '𝒟',
  E: 'ℰ',
  F: 'ℱ',
  G: '𝒢',
  H: 'ℋ',
  I: 'ℐ',
  J: '𝒥',
  K: '𝒦',
  L: 'ℒ',
  M: 'ℳ',
  N: '𝒩',
  O: '𝒪',
  P: '𝒫',
  Q: '𝒬',
  R: 'ℛ',
  S: '𝒮',
  T: '𝒯',
  U: '𝒰',
  V: '𝒱',
  W: '𝒲',
  X: '𝒳',
  Y: '𝒴',
  Z: '𝒵',
};

const SUPER: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '+': '⁺',
  '-': '⁻',
  '−': '⁻',
  '=': '⁼',
  '(': '⁽',
  ')': '⁾',
  a: 'ᵃ',
  b: 'ᵇ',
  c: 'ᶜ',
  d: 'ᵈ',
  e: 'ᵉ',
  f: 'ᶠ',
  g: 'ᵍ',
  h: 'ʰ',
  i: 'ⁱ',
  j: 'ʲ',
  k: 'ᵏ',
  l: 'ˡ',
  m: 'ᵐ',
  n: 'ⁿ',
  o: 'ᵒ',
  p: 'ᵖ',
  r: 'ʳ',
  s: 'ˢ',
  t: 'ᵗ',
  u: 'ᵘ',
  v: 'ᵛ',
  w: 'ʷ',
  x: 'ˣ',
  y: 'ʸ',
  z: 'ᶻ',
  T: 'ᵀ',
  '*': '*',
  '∗': '*',
  '′': '′',
  '†': '†',
  ' ': '',
};
const SUB: Record<string, string> = {
  '0': '₀',
  '1': '₁',
  '2': '₂',
  '3': '₃',
  '4': '₄',
  '5': '₅',
  '6': '₆',
  '7': '₇',
  '8': '₈',
  '9': '₉',
  '+': '₊',
  '-': '₋',
  '−': '₋',
  '=': '₌',
  '(': '₍',
  ')': '₎',
  a: 'ₐ',
  e: 'ₑ',
  h: 'ₕ',
  i: 'ᵢ',
  j: 'ⱼ',
  k: 'ₖ',
  l: 'ₗ',
  m: 'ₘ',
  n: 'ₙ',
  o: 'ₒ',
  p: 'ₚ',
  r: 'ᵣ',
  s: 'ₛ',
  t: 'ₜ',
  u: 'ᵤ',
  v: 'ᵥ',
  x: 'ₓ',
  '∞': '∞',
  ' ': '',
};

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
