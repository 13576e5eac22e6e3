// Whether dist/ holds a build of the current sources: bin/paperboy.js runs dist/ then (tsx
// otherwise), and `build.mjs --if-stale` (the tests' global setup) builds only when it does not.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** True when dist/.built is newer than every file in src/. */
export function isBuilt(root) {
  let stamp;
  try {
    stamp = statSync(path.join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return false;
  }
  const src = path.join(root, 'src');
  for (const f of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (statSync(path.join(src, f)).mtimeMs > stamp) return false;
  }
  return true;
}
