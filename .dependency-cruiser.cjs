/**
 * The import boundaries `npm test` holds the code to (npm run lint:imports):
 * the core is pure, the engine reaches the world only through ports, adapters never reach up
 * into the HTTP layers, and nothing imports in a circle.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other in a loop cannot be read, tested or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'lib/core is pure: no AWS, no adapters, no HTTP, no Node built-ins (clock, randomness and environment come in as arguments).',
      from: { path: '^lib/core/' },
      to: { pathNot: ['^lib/core/', '^node_modules/'] },
    },
    {
      name: 'core-without-node-or-aws',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-without-aws-sdk',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { path: '^node_modules/(@aws-sdk|@smithy|aws-cdk-lib|constructs)/' },
    },
    {
      name: 'engine-through-ports',
      severity: 'error',
      comment: 'The engine sees the world through lib/ports.ts (and the invoker port); adapters are chosen by the wiring.',
      from: { path: '^lib/engine/' },
      to: { pathNot: ['^lib/engine/', '^lib/core/', '^lib/(ports|invoker|errors|access)\\.ts$', '^node_modules/'] },
    },
    {
      name: 'adapters-below-http',
      severity: 'error',
      comment: 'Stores, sources, routers and notifiers never import the API, the dashboard or the CLI.',
      from: { path: '^lib/(aws|memory|notify)/' },
      to: { path: '^lib/(api|dashboard|cli|local|wiring)/' },
    },
    {
      name: 'cli-talks-http-only',
      severity: 'error',
      comment: 'The CLI is an HTTP client of the gate: it may share the pure core, never the server side.',
      from: { path: '^lib/cli/' },
      to: { path: '^lib/(api|dashboard|engine|aws|memory|wiring|sandbox|local)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // Packages' export maps, as Node resolves them (pure-rand's subpaths).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
