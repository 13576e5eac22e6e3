import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The import rule (.dependency-cruiser.cjs, docs/architecture.md) run by `npm run imports` on a
// small tree of its own, so the test shows the check failing on a breach and passing on the rule.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');

let dir = '';

async function tree(files: Record<string, string>): Promise<string> {
  const at = await mkdtemp(join(dir, 'tree-'));
  await writeFile(join(at, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext' } }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(at, path)), { recursive: true });
    await writeFile(join(at, path), text);
  }
  return at;
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function violations(at: string): Promise<Violation[]> {
  const args = ['src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'];
  const out = await run(depcruise, args, { cwd: at }).catch((error: { stdout?: string }) => error);
  const report = JSON.parse(String(out.stdout)) as { summary: { violations: Violation[] } };
  return report.summary.violations.map(({ from, to, rule }) => ({ from, to, rule: { name: rule.name } }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paperboy-imports-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the import rule', () => {
  it('passes a tree that goes one way down', async () => {
    const at = await tree({
      'src/domain.ts': 'export type Id = string;\n',
      'src/store/rows.ts': "import type { Id } from '../domain.js';\nexport const rows = (id: Id) => [id];\n",
      'src/send/loop.ts': "import { rows } from '../store/rows.js';\nexport const loop = () => rows('a');\n",
      'src/pipeline/run.ts': "import { loop } from '../send/loop.js';\nexport const run = () => loop();\n",
      'src/server/route.ts': "import { run } from '../pipeline/run.js';\nexport const route = () => run();\n",
    });
    expect(await violations(at)).toEqual([]);
  });

  it('fails a door that reads the store, a stage that calls up and a loop (reported once)', async () => {
    const at = await tree({
      'src/domain.ts': 'export type Id = string;\n',
      'src/store/rows.ts': 'export const rows = () => [];\n',
      'src/server/route.ts': "import { rows } from '../store/rows.js';\nexport const route = () => rows();\n",
      'src/pipeline/run.ts': 'export const run = () => 1;\n',
      'src/render/page.ts': "import { run } from '../pipeline/run.js';\nexport const page = () => run();\n",
      'src/send/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/send/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const found = (await violations(at)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual([
      'doors-not-store: src/server/route.ts → src/store/rows.ts',
      'no-circular: src/send/a.ts → src/send/b.ts',
      'stages-not-up: src/render/page.ts → src/pipeline/run.ts',
    ]);
  });
});
