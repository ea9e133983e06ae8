// Outcome tiers in the console: the case's tier badge and its evidence, and the KPI page's tier and
// cost-per-verified-resolution tables (GET /v1/outcomes). Values go into the page as text only, like app.js.

const TIER_LABELS = {
  verified_autonomous: 'verified, autonomous',
  resolved_after_approval: 'resolved after approval',
  assisted: 'assisted',
  escalated: 'escalated',
  reopened: 'reopened',
  undelivered: 'reply not delivered',
  in_progress: 'in progress',
  not_recorded: 'settled before tiers were recorded',
};

const usd = (v) => (v === null || v === undefined ? '–' : `$${Number(v).toFixed(4)}`);
const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

/** The tier badge of a case (`outcome` of GET /v1/cases/:id), or nothing while the run is in progress. */
export function tierBadge(h, outcome) {
  if (!outcome) return null;
  return h('span', { class: `badge tier tier-${outcome.tier}`, id: 'case-tier', title: 'outcome tier of this run, from its evidence' }, TIER_LABELS[outcome.tier] ?? outcome.tier);
}

function evidenceText(e) {
  switch (e.kind) {
    case 'verifier_readback': return `verifier read-backs: ${e.passed}/${e.checks} passed${e.readbacks?.length ? ` (${e.readbacks.map((r) => `${r.check ?? r.tool} ${r.passed ? '✓' : '✗'}`).join(', ')})` : ''}`;
    case 'approval': return `${e.tool} approved by ${e.by}`;
    case 'rerun': return `re-run ${e.run} started by a human`;
    case 'helpdesk_signal': return `ticket reopened on the helpdesk (event ${e.eventId})`;
    case 'helpdesk_delivery': return `reply not delivered${e.reason ? `: ${e.reason}` : ''}`;
    case 'escalation': return `escalated${e.breaker ? ` (${e.breaker})` : ''}: ${e.reason}`;
    case 'mode': return `${e.mode} mode: drafts, notes and routing only`;
    default: return e.kind;
  }
}

/** The evidence list of the case's tier; each item links to the trace row that shows it. */
export function tierEvidence(h, outcome) {
  if (!outcome) return h('p', { class: 'muted', id: 'tier-evidence' }, 'No tier yet: the run is in progress or waits for a human.');
  return h('ul', { id: 'tier-evidence' }, ...outcome.evidence.map((e) => h('li', {}, evidenceText(e),
    e.traceId ? [' ', h('a', { href: `#trace-${e.traceId}`, onclick: (ev) => { ev.preventDefault(); document.querySelector(`[data-trace-id="${CSS.escape(e.traceId)}"]`)?.scrollIntoView({ block: 'center' }); } }, 'trace')] : null)));
}

function table(h, id, head, rows) {
  return h('table', { id }, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...(rows.length ? rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, String(c ?? '–'))))) : [h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'no cases'))])));
}

/** The KPI page's outcome section for a period: tiers with their spend, then cost per verified resolution by group and day. */
export function outcomesSection(h, api, period) {
  const groupBy = h('select', { id: 'outcome-group' }, ...['intent', 'tenant', 'procedure', 'model', 'region'].map((g) => h('option', { value: g }, g)));
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading outcomes…'));
  // An answer to an earlier grouping or period never replaces the answer to the current one (as the KPIs).
  let asked = 0;
  const reload = async () => {
    const mine = ++asked;
    try {
      const r = await api(`/v1/outcomes?${new URLSearchParams({ ...period(), groupBy: groupBy.value })}`);
      if (mine !== asked) return;
      body.replaceChildren(
        h('h3', {}, 'Outcome tiers'),
        table(h, 'tier-table', ['tier', 'cases', 'tokens per case', 'cost per case', 'cost'],
          r.tiers.map((t) => [TIER_LABELS[t.tier] ?? t.tier, t.cases, t.tokensPerCase === null ? '–' : Math.round(t.tokensPerCase), usd(t.costUsdPerCase), usd(t.costUsd)])),
        h('h3', {}, `Cost per verified resolution by ${r.groupBy}`),
        table(h, 'cpvr-table', [r.groupBy, 'cases', 'verified', 'reopened', 'not delivered', 'escalated', 'assisted', 'verified rate', 'cost', 'cost per verified resolution'],
          r.groups.map((g) => [g.group, g.cases, g.verified, g.reopened, g.undelivered, g.escalated, g.assisted, pct(g.verifiedRate), usd(g.costUsd), usd(g.costPerVerifiedResolution)])),
        h('h3', {}, 'Over time (UTC day of the ticket)'),
        table(h, 'cpvr-days', ['day', r.groupBy, 'cases', 'verified', 'verified rate', 'cost per verified resolution'],
          r.days.map((d) => [d.day, d.group, d.cases, d.verified, pct(d.verifiedRate), usd(d.costPerVerifiedResolution)])));
    } catch (err) {
      if (err.status !== 401 && mine === asked) body.replaceChildren(h('p', { class: 'error' }, err.message));
    }
  };
  groupBy.addEventListener('change', reload);
  const section = h('section', { class: 'card', id: 'outcomes' }, h('h2', {}, 'Outcomes'),
    h('p', { class: 'muted' }, 'Tiers from each case\'s evidence. Cost per verified resolution: the LLM spend of every case of the group, divided by its resolutions that were verified, delivered and not reopened.'),
    h('div', { class: 'filters' }, h('label', {}, 'Group by', groupBy)), body);
  return { section, reload };
}
