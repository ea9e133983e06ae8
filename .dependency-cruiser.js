// Layer rules (STYLE.md §1): libs never import apps, apps never import each other, contracts depend only on zod,
// and only apps/gateway talks to backends. Run: npm run depcheck
//
// The supervisor's two sides (docs/supervisor.md "Modules"): the case engine, which consumes the topics and moves
// cases, and the console with the HTTP API, which reads cases and sends commands on `supervisor.commands`. Specs may
// wire both sides together.
const SUPERVISOR = '^apps/supervisor/src/';
const CASE_ENGINE = `${SUPERVISOR}((case|admission|intake|retention)/|case-engine\\.module\\.ts$|supervisor\\.handler\\.ts$|supervisor-events\\.controller\\.ts$)`;
const CONSOLE = `${SUPERVISOR}((api|auth|console|inbox|verdicts)/|console\\.module\\.ts$|helpdesk/helpdesk-console\\.service\\.ts$|outcomes/outcomes\\.(repository|report|service)\\.ts$)`;
// Used by both sides (policy, rollout, SLA, drafts, command signing and conflicts, the gateway admin port, outcome
// tiers): they must not reach into the console either, or the engine would depend on it through them.
const SUPERVISOR_SHARED = `${SUPERVISOR}((sla|rollout|policy|draft|commands|gateway)/|outcomes/outcome-tier\\.ts$)`;
// What the console may use of the engine: case types, the command rule, the handoff packet, the trace's verdicts, the repositories it reads
// (cases, the due quarantine), the admission backlog, and the engine module it imports.
const CASE_ENGINE_SURFACE = `${SUPERVISOR}(case/(case\\.types|command-rules|handoff|case-verdicts|case\\.repository|due-quarantine\\.repository)\\.ts$|admission/tenant-admission\\.ts$|case-engine\\.module\\.ts$)`;

module.exports = {
  forbidden: [
    { name: 'libs-not-to-apps', severity: 'error', from: { path: '^libs/' }, to: { path: '^apps/' } },
    {
      name: 'examples-only-on-libs',
      severity: 'error',
      comment: 'examples/ show how to build on the libs, as a new service would: no app internals',
      from: { path: '^examples/' },
      to: { path: '^apps/' },
    },
    {
      name: 'nothing-on-examples',
      severity: 'error',
      comment: 'examples are compiled, linted and tested, never shipped: nothing may depend on them',
      from: { pathNot: '^examples/' },
      to: { path: '^examples/' },
    },
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
    {
      name: 'nest-microservices-only-in-bus-transport',
      severity: 'error',
      comment: 'Nest sees Kafka only through the bus transport (STYLE.md §5): the stock Kafka transport loses the bus guarantees',
      from: { pathNot: '^libs/bus-transport/' },
      to: { path: '^node_modules/@nestjs/microservices/' },
    },
    {
      name: 'bus-transport-stays-thin',
      severity: 'error',
      comment: 'routing to @EventPattern handlers over libs/bus; consumer semantics stay in libs/bus',
      from: { path: '^libs/bus-transport/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^libs/bus-transport/', '^libs/bus/', '^libs/contracts/', '^libs/observability/', '^node_modules/@nestjs/', '^node_modules/rxjs/'] },
    },
    {
      name: 'case-engine-not-to-console',
      severity: 'error',
      comment: 'the case engine never sees the console: a console command reaches it through supervisor.commands',
      from: { path: CASE_ENGINE, pathNot: '\\.spec\\.ts$' },
      to: { path: CONSOLE },
    },
    {
      name: 'shared-not-to-console',
      severity: 'error',
      comment: 'code both the case engine and the console use never imports the console (the engine would depend on it through it)',
      from: { path: SUPERVISOR_SHARED, pathNot: '\\.spec\\.ts$' },
      to: { path: CONSOLE },
    },
    {
      name: 'console-through-case-surface',
      severity: 'error',
      comment: 'the console uses the case engine only through its surface: types, the command rule, reads (CASE_ENGINE_SURFACE)',
      from: { path: CONSOLE, pathNot: '\\.spec\\.ts$' },
      to: { path: CASE_ENGINE, pathNot: CASE_ENGINE_SURFACE },
    },
    {
      name: 'release-driver-loads-no-stack',
      severity: 'error',
      comment: 'the open-loop driver also runs beside a previous release\'s stack (test/bench/support/release-run.ts, npm run bench:previous), where `@switchboard/*` resolves to that release: it must load none of this checkout\'s apps, stack or scenarios at run time',
      from: { path: '^test/(bench/support/(open-loop|release-run|proc-cpu|figures)|support/env)\\.ts$' },
      to: { path: '^(apps/|test/support/stack\\.ts$|test/scenarios/)', dependencyTypesNot: ['type-only'] },
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
