#!/usr/bin/env node
// Builds samples/daily-papers.json (Hugging Face daily papers shape) from the seed page of real
// paper titles and abstracts. Titles and abstracts are real; ids, authors, upvotes, dates and repos
// are deterministic sample values (see samples/README.md).
// Usage: node scripts/make-sample.mjs ../shared/seeds/hf-papers-page-sparse.txt > samples/daily-papers.json
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

const items = [];
for (let i = 0; i + 1 < body.length; i += 2) {
  const title = body[i];
  const summary = body[i + 1];
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
