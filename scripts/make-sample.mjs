#!/usr/bin/env node
// Builds samples/daily-papers.json (Hugging Face daily papers shape) from the seed page of real
// paper titles and abstracts. Titles and abstracts are real; ids, authors, upvotes, dates and repos
// are deterministic sample values (see samples/README.md).
// Usage: node scripts/make-sample.mjs samples/seed-page.txt > samples/daily-papers.json
import { readFileSync } from 'node:fs';

const lines = readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.length > 0);
// The page starts with its own header (banner, "Subscribe", a date); papers follow as title/abstract pairs.
const start = lines.findIndex((l) => /^[A-Z][a-z]{2} \d{1,2}$/.test(l)) + 1;
const body = lines.slice(start);

const first = [
  'Ada',
  'Alan',
  'Grace',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'John',
  'Radia',
  'Leslie',
  'Shafi',
  'Yoshua',
  'Fei-Fei',
  'Jürgen',
  'Daphne',
  'Andrew',
];
const last = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'McCarthy',
  'Perlman',
  'Lamport',
  'Goldwasser',
  'Bengio',
  'Li',
  'Schmidhuber',
  'Koller',
  'Ng',
];
let seed = 20251128;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

/**
 * The saved page lost the backslashes of the abstracts' LaTeX (`Ain R^{ntimes d}`, `100times`,
 * `O(varepsilon)`); the `\\%` survived. Puts them back for the commands found glued in it, where
 * they cannot be English words, so the sample reads as the real API answers (LaTeX with its
 * backslashes) and paperboy's rendering of LaTeX shows on it. What cannot be told apart stays.
 */
function restoreLatex(text) {
  const names = 'varepsilon|epsilon|infty|mathcal|mathbb|sqrt|frac|cdot|geq|leq|dagger|Omega|Theta|Phi|Psi|gamma|delta';
  return (
    text
      // Never English: put back wherever they stand (not inside a longer word).
      .replace(new RegExp(`(?<![A-Za-z\\\\])(${names})(?![a-z])`, 'g'), '\\$1')
      // Glued to the letter before them inside math: `dsqrt{k}`, `deltageq`, `nepsilon`, `loglog`.
      .replace(new RegExp(`(?<!\\\\[a-z]*)(?<=[a-z0-9{(/^])(${names})(?![a-z])`, 'g'), ' \\$1')
      .replace(/(?<=\\(?:epsilon|varepsilon|delta))(?=d\b|[a-z]\b)/g, ' ')
      .replace(/(?<=^|[\s{(])([A-Za-z]'?)in (?=R\b|R\^)/g, '$1 \\in ')
      .replace(/\b([xy])in\b/g, '$1 \\in')
      .replace(/(\d|(?<![A-Za-z])[a-z])times\b/g, '$1\\times')
      .replace(/\bsim(\d)/g, '\\sim $1')
      .replace(/\bell_/g, '\\ell_')
      .replace(/\bnu\^/g, '\\nu^')
      .replace(/\bmll n\b/g, 'm \\ll n')
      .replace(/(?<=[\s(_{])argmin\b/g, '\\arg\\min')
      .replace(/(?<=[a-z0-9{(])log(?=[\s^(]|log)/g, ' \\log')
      .replace(/(?<=\{)log(?=\b)/g, '\\log')
  );
}

const items = [];
for (let i = 0; i + 1 < body.length; i += 2) {
  const title = restoreLatex(body[i]);
  const summary = restoreLatex(body[i + 1]);
  const n = items.length;
  const id = `2511.${String(10000 + n * 137).padStart(5, '0')}`;
  const authorCount = 1 + Math.floor(rand() * 7);
  const authors = Array.from({ length: authorCount }, (_, k) => ({
    _id: `sample-${n}-${k}`,
    name: `${first[Math.floor(rand() * first.length)]} ${last[Math.floor(rand() * last.length)]}`,
    hidden: false,
  }));
  const upvotes = Math.floor(rand() * 120);
  const published = new Date(Date.UTC(2025, 10, 20, 12) - n * 3600_000).toISOString();
  const paper = {
    id,
    authors,
    publishedAt: published,
    submittedOnDailyAt: published,
    title,
    summary,
    upvotes,
    discussionId: `sample-discussion-${n}`,
    ai_summary: summary.split(/(?<=\.)\s/)[0],
    ai_keywords: [],
  };
  if (n % 3 === 0) paper.githubRepo = `https://github.com/example/paper-${id}`;
  items.push({
    paper,
    publishedAt: published,
    title,
    summary,
    thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${id}.png`,
    numComments: Math.floor(rand() * 6),
    isAuthorParticipating: false,
  });
}
process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
