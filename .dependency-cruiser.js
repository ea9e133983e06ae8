// Layer rules (STYLE.md §1): libs never import apps, apps never import each other, contracts depend only on zod,
// and only apps/gateway talks to backends. Run: npm run depcheck
module.exports = {
  forbidden: [
    { name: 'libs-not-to-apps', severity: 'error', from: { path: '^libs/' }, to: { path: '^apps/' } },
    {
      name: 'apps-not-to-other-apps',
      severity: 'error',
      comment: 'apps talk through Kafka and HTTP, never by importing each other; test harnesses may start each other',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/[^/]+/test/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'contracts-only-zod',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^libs/contracts/', '^node_modules/zod/'] },
    },
    {
      name: 'agents-hold-no-backend-clients',
      severity: 'error',
      comment: 'only the gateway may reach company backends (and the reference backend is its own app)',
      from: { path: '^apps/(triage|retrieval|resolver|verifier|supervisor|ingress)/' },
      to: { path: '^apps/acme-backend/' },
    },
    {
      name: 'gateway-not-to-its-client',
      severity: 'error',
      comment: 'the gateway verifies tokens with libs/task-tokens; the HTTP client is for its callers, not for the server',
      from: { path: '^apps/gateway/src/' },
      to: { path: '^libs/gateway-client/' },
    },
    {
      name: 'task-tokens-stay-small',
      severity: 'error',
      comment: 'issuing and verifying tokens needs the claims contract and errors, nothing of HTTP, Kafka or storage',
      from: { path: '^libs/task-tokens/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^libs/task-tokens/', '^libs/contracts/', '^libs/observability/', '^node_modules/zod/'] },
    },
    {
      name: 'service-kit-stays-generic',
      severity: 'error',
      comment: 'health, readiness and process guards for every HTTP service: nothing of Kafka, agents, tokens or storage',
      from: { path: '^libs/service-kit/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^libs/service-kit/', '^libs/observability/', '^node_modules/@nestjs/', '^node_modules/@types/express/', '^node_modules/express/', '^node_modules/rxjs/'] },
    },
    {
      name: 'non-agents-not-to-agent-kit',
      severity: 'error',
      comment: 'ingress, the supervisor, the gateway and the helpdesk connector are not agents: they use libs/service-kit',
      from: { path: '^apps/(ingress|supervisor|gateway|helpdesk)/src/' },
      to: { path: '^libs/agent-kit/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
