// The import rule of docs/architecture.md, checked by `npm run imports` (part of `npm run check`).
// One way down: doors (cli/, server/, cli.ts) → pipeline/ → stages → store/ → the shared modules
// (src/*.ts: domain, errors, config, text, time-zone, log …). A layer imports only layers below it.
const SHARED = '^src/(domain|errors|text|time-zone|log|latex|latex-symbols|latex-letters|small-heap|dkim|config|config-schema|config-values|secret|process-owner|smtp-status|webhook-signature)[.]ts$';
const DOORS = '^src/(cli/|server/|cli[.]ts$)';
const STAGES = '^src/(sources|select|render|send|subscribers|archive|schedule|cluster)/';
// Pure stages: they compute from domain values and never reach the store.
const PURE_STAGES = '^src/(sources|select|render|archive)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Two modules that import each other (directly or round a loop) are one module in two files.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'doors-not-store',
      severity: 'error',
      comment: 'The CLI and the web routes go through pipeline/ or a stage, never straight to the store.',
      from: { path: DOORS },
      to: { path: '^src/store/' },
    },
    {
      name: 'pipeline-not-doors',
      severity: 'error',
      comment: 'pipeline/ is called by the doors and never calls them.',
      from: { path: '^src/pipeline/' },
      to: { path: DOORS },
    },
    {
      name: 'stages-not-up',
      severity: 'error',
      comment: 'A stage never imports pipeline/ or a door: it takes what it needs as arguments.',
      from: { path: STAGES },
      to: { path: ['^src/pipeline/', DOORS] },
    },
    {
      name: 'base-stages-not-sideways',
      severity: 'error',
      comment: 'sources, select, render, subscribers, archive and schedule import no other stage.',
      from: { path: '^src/(sources|select|render|subscribers|archive|schedule)/' },
      to: { path: STAGES, pathNot: '^src/$1/' },
    },
    {
      name: 'send-builds-on-render-and-subscribers',
      severity: 'error',
      comment: 'send/ may use render/ (markers, escaping) and subscribers/ (tokens, addresses), no other stage.',
      from: { path: '^src/send/' },
      to: { path: '^src/(sources|select|archive|schedule|cluster)/' },
    },
    {
      name: 'cluster-builds-on-send',
      severity: 'error',
      comment: 'cluster/ is a sender: it may use send/ (and what send/ uses), no other stage.',
      from: { path: '^src/cluster/' },
      to: { path: '^src/(sources|select|archive|schedule)/' },
    },
    {
      name: 'pure-stages-not-store',
      severity: 'error',
      comment: 'sources, select, render and archive take domain values (src/domain.ts), not store rows.',
      from: { path: PURE_STAGES },
      to: { path: '^src/store/' },
    },
    {
      name: 'store-only-shared',
      severity: 'error',
      comment: 'store/ imports only store/ and the shared modules.',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/store/', SHARED] },
    },
    {
      name: 'shared-at-the-bottom',
      severity: 'error',
      comment: 'The shared modules (src/*.ts but cli.ts) import only one another.',
      from: { path: SHARED },
      to: { path: '^src/', pathNot: SHARED },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
