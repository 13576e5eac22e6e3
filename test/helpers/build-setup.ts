// Global setup of the projects that spawn `paperboy`: the command runs dist/, built here when a
// source file is newer (an edit), not the sources through tsx (a second more per start).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
}
