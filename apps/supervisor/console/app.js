// Switchboard supervisor console: plain ES module, no build step, no third-party code. Every value from the API is
// put into the page as text (never as HTML), so a ticket cannot inject markup or script.
import { outcomesSection, tierBadge, tierEvidence } from './outcomes.js';

const app = document.getElementById('app');
const state = { me: null, events: null, view: null, reloadTimer: null, queue: [] };

// ------------------------------------------------------------------ helpers

function h(tag, attrs = {}, ...children) {
  const el = tag === 'svg' || attrs.svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false || k === 'svg') continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k in el && !(el instanceof SVGElement)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const s = (tag, attrs, ...children) => h(tag, { ...attrs, svg: true }, ...children);

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-Requested-With': 'switchboard-console', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? (() => { try { return JSON.parse(text); } catch { return { message: text }; } })() : null;
  if (res.status === 401 && path !== '/v1/auth/login') {
    state.me = null;
    renderLogin(path === '/v1/auth/me' ? undefined : 'Your session ended; sign in again.');
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const fmtJson = (v) => JSON.stringify(v, null, 2);
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const fmtUsd = (v) => (v === null || v === undefined ? '–' : `$${Number(v).toFixed(4)}`);
const fmtPct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const m = Math.round(seconds / 60);
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (m < 90) return `${m}m`;
  return `${(m / 60).toFixed(1)}h`;
}
const statusBadge = (status, id) => h('span', { class: `badge status-${status}`, id }, status);

// Ticking timers: every element with data-due (an SLA) or data-expires (a held approval) is rewritten once a second
// from the clock, so the inbox and the case page count down without asking the server.
function fmtLeft(ms) {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function tickTimer(el) {
  const now = Date.now();
  if (el.dataset.due) {
    const left = Date.parse(el.dataset.due) - now;
    const allowance = Number(el.dataset.minutes) * 60000;
    el.classList.remove('sla-ok', 'sla-warn', 'sla-over');
    el.classList.add(left <= 0 ? 'sla-over' : left <= allowance * 0.25 ? 'sla-warn' : 'sla-ok');
    el.textContent = left <= 0 ? `SLA breached ${fmtLeft(left)} ago` : `${fmtLeft(left)} left`;
  } else if (el.dataset.expires) {
    const left = Date.parse(el.dataset.expires) - now;
    el.classList.toggle('expired', left <= 0);
    el.textContent = left <= 0 ? `approval expired ${fmtLeft(left)} ago` : `approval expires in ${fmtLeft(left)}`;
  }
  return el;
}
setInterval(() => document.querySelectorAll('[data-due], [data-expires]').forEach(tickTimer), 1000);

/** The case's SLA (`{minutes, dueAt}` from the server: its priority's and tenant's allowance from arrival), ticking. */
function slaBadge(sla, status) {
  if (!sla) return h('span', { class: 'muted' }, '–');
  const title = `SLA ${sla.minutes} min from the ticket's arrival; due ${fmtTime(sla.dueAt)}`;
  if (status === 'RESOLVED' || status === 'CLOSED') return h('span', { class: 'badge sla', title }, 'answered');
  return tickTimer(h('span', { class: 'badge sla sla-timer', title, 'data-due': sla.dueAt, 'data-minutes': String(sla.minutes) }));
}

/** A held approval's remaining time (the gateway refuses it after `expiresAt`), ticking. */
function expiryBadge(expiresAt, id) {
  return expiresAt ? tickTimer(h('span', { class: 'badge expiry', id, title: `expires ${fmtTime(expiresAt)}`, 'data-expires': expiresAt })) : null;
}

function message(kind, text) {
  return h('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// ------------------------------------------------------------------ sign-in and routing

function renderLogin(notice) {
  closeEvents();
  document.getElementById('topbar').hidden = true;
  const error = h('div');
  const form = h('form', { class: 'card login', id: 'login-form' },
    h('h1', {}, 'Supervisor console'),
    notice ? message('muted', notice) : null,
    h('label', { for: 'username' }, 'Username'), h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true }),
    h('label', { for: 'password' }, 'Password'), h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    error,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', id: 'sign-in' }, 'Sign in')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.replaceChildren();
    try {
      await api('/v1/auth/login', { method: 'POST', body: { username: form.username.value, password: form.password.value } });
      await start();
    } catch (err) {
      error.replaceChildren(message('error', err.message));
    }
  });
  app.replaceChildren(form);
}

async function start() {
  try {
    state.me = await api('/v1/auth/me');
  } catch {
    return;
  }
  document.getElementById('topbar').hidden = false;
  document.getElementById('whoami').textContent = `${state.me.userId} (${state.me.role})`;
  openEvents();
  if (!location.hash || location.hash === '#/') location.hash = '#/inbox';
  else route();
}

function route() {
  if (!state.me) return;
  const hash = location.hash;
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  const caseMatch = /^#\/case\/([A-Za-z0-9_-]+)/.exec(hash);
  if (caseMatch) return showCase(caseMatch[1]);
  if (hash.startsWith('#/kpis')) return showKpis();
  if (hash.startsWith('#/procedures')) return showProcedures();
  return showInbox();
}

function openEvents() {
  if (state.events) return;
  const live = document.getElementById('live');
  const es = new EventSource('/v1/events');
  state.events = es;
  es.onopen = () => { live.textContent = 'live'; live.className = 'live on'; };
  es.onerror = () => { live.textContent = 'reconnecting'; live.className = 'live off'; };
  es.addEventListener('case', (e) => {
    const change = JSON.parse(e.data);
    const v = state.view;
    if (v?.name === 'inbox') v.changed(change.caseId);
    else if (v?.name === 'case' && v.caseId === change.caseId) scheduleReload();
  });
}

function closeEvents() {
  state.events?.close();
  state.events = null;
}

function scheduleReload() {
  clearTimeout(state.reloadTimer);
  state.reloadTimer = setTimeout(() => state.view?.reload(), 250);
}

document.getElementById('logout').addEventListener('click', async () => {
  await api('/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
  state.me = null;
  renderLogin('Signed out.');
});
window.addEventListener('hashchange', route);

// ------------------------------------------------------------------ keyboard

// Single-key shortcuts of the current page (state.view.keys), never while typing in a field or with a modifier held.
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const t = e.target;
  if (t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
  if (e.key === 'Enter' && t instanceof HTMLElement && ['A', 'BUTTON'].includes(t.tagName)) return;
  const action = state.view?.keys?.[e.key];
  if (!action) return;
  e.preventDefault();
  action();
});

/** A command sent from a shortcut; the result (or why not) is shown in `out`. */
async function keyCommand(caseId, body, out) {
  if (state.me.role !== 'supervisor') return out.replaceChildren(message('error', 'You are signed in as a viewer: you can read and give feedback, not decide.'));
  try {
    const r = await api(`/v1/cases/${caseId}/commands`, { method: 'POST', body });
    out.replaceChildren(message('notice', `${body.command} sent (decision ${r.decisionId}); the case updates live.`));
  } catch (err) {
    if (err.status !== 401) out.replaceChildren(message('error', err.message));
  }
}

// ------------------------------------------------------------------ inbox

const PAGE_SIZE = 50;
const ALL_STATUSES = 'RECEIVED,TRIAGED,CONTEXT_READY,RESOLVING,VERIFYING,AWAITING_APPROVAL,ESCALATED,FAILED,RESOLVED,CLOSED';
const inboxFilters = { status: 'ESCALATED,AWAITING_APPROVAL,FAILED', q: '', assignee: '', tenant: '', intent: '', region: '', reason: '', createdFrom: '', createdTo: '', tier: '' };
const inboxPaging = { cursors: [] }; // the cursor of each page after the first, as walked

// Queue order, as the server sorts: urgency, then most recently changed, then case id (all descending).
function queueOrder(a, b) {
  return b.urgency - a.urgency || Date.parse(b.updated_at) - Date.parse(a.updated_at) || (a.case_id < b.case_id ? 1 : a.case_id > b.case_id ? -1 : 0);
}

function inboxQuery(extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(inboxFilters)) if (v) q.set(k, v);
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  return q;
}

function assigneeCell(c) {
  if (!c.assignee) return h('span', { class: 'muted' }, 'unassigned');
  return h('span', { class: `badge assignee${c.assignee === state.me.userId ? ' mine' : ''}` }, c.assignee === state.me.userId ? `${c.assignee} (you)` : c.assignee);
}

function inboxRow(c, picked) {
  const pick = h('input', { type: 'checkbox', class: 'pick', 'aria-label': `select "${c.subject || c.case_id}" for a bulk action`, checked: picked.has(c.case_id),
    onclick: (e) => { e.stopPropagation(); if (e.target.checked) picked.add(c.case_id); else picked.delete(c.case_id); picked.onChange?.(); } });
  return h('tr', { 'data-case-id': c.case_id, tabindex: '-1', onclick: () => { location.hash = `#/case/${c.case_id}`; } },
    h('td', { onclick: (e) => e.stopPropagation() }, pick),
    h('td', {}, h('span', { class: `badge prio-${c.priority}` }, c.priority)),
    h('td', {}, statusBadge(c.status), c.helpdesk?.undelivered ? [' ', h('span', { class: 'badge undelivered', title: 'a reply, note or escalation never reached the helpdesk' }, 'not delivered')] : null),
    h('td', {}, slaBadge(c.sla, c.status)),
    h('td', {}, h('a', { href: `#/case/${c.case_id}` }, c.subject || '(no subject)'), c.requester ? h('div', { class: 'muted' }, c.requester) : null),
    h('td', { class: 'assignee-cell' }, assigneeCell(c)),
    h('td', {}, c.tenant_id), h('td', {}, c.intent ?? '–'), h('td', {}, c.region),
    h('td', {}, c.approval && c.status === 'AWAITING_APPROVAL' ? [`approve ${c.approval.tool}? `, expiryBadge(c.approval.expiresAt)] : c.escalation ? `${c.escalation.breaker ?? 'escalated'}: ${c.escalation.reason}` : ''));
}

async function showInbox() {
  const body = h('tbody');
  const note = h('div');
  const pager = h('div', { class: 'actions pager' });
  const views = h('select', { id: 'saved-views', 'aria-label': 'saved views' });
  const viewName = h('input', { id: 'view-name', placeholder: 'name this view', 'aria-label': 'name of the view to save', maxlength: 60 });
  const viewNote = h('span', { class: 'muted', role: 'status' });
  const page = { rows: [], nextCursor: null, trs: new Map(), selected: null };
  // Cases ticked for a bulk action (kept across live updates; dropped when they leave the page).
  const picked = new Set();
  const bulkCount = h('span', { id: 'bulk-count', class: 'muted', role: 'status' });
  const bulkResults = h('div', { id: 'bulk-results' });
  const reassignTo = h('input', { id: 'bulk-reassign-to', placeholder: 'username', 'aria-label': 'reassign the selected cases to', maxlength: 200, size: 12 });
  const pickAll = h('input', { type: 'checkbox', id: 'pick-all', 'aria-label': 'select every case on this page', onclick: (e) => {
    for (const c of page.rows) if (e.target.checked) picked.add(c.case_id); else picked.delete(c.case_id);
    for (const { tr } of page.trs.values()) tr.querySelector('input.pick').checked = e.target.checked;
    picked.onChange();
  } });
  picked.onChange = () => {
    bulkCount.textContent = picked.size ? `${picked.size} selected` : 'none selected';
    pickAll.checked = page.rows.length > 0 && page.rows.every((c) => picked.has(c.case_id));
  };
  const canBulk = state.me.role === 'supervisor';
  const bulk = async (command, label) => {
    if (!canBulk) return bulkResults.replaceChildren(message('error', 'You are signed in as a viewer: you can read and give feedback, not decide.'));
    const caseIds = page.rows.map((c) => c.case_id).filter((id) => picked.has(id));
    if (!caseIds.length) return bulkResults.replaceChildren(message('error', 'Tick the cases first.'));
    if (command.command === 'reassign' && !command.to) return bulkResults.replaceChildren(message('error', 'Name who gets the cases.'));
    if (!window.confirm(`${label} ${caseIds.length} case(s)?`)) return;
    try {
      const { results } = await api('/v1/cases/commands', { method: 'POST', body: { caseIds, command } });
      const subject = (id) => page.rows.find((c) => c.case_id === id)?.subject || id;
      for (const r of results) if (r.ok) picked.delete(r.caseId);
      const failed = results.filter((r) => !r.ok).length;
      bulkResults.replaceChildren(message(failed ? 'error' : 'notice', `${label}: ${results.length - failed} sent, ${failed} refused; the cases update live.`),
        h('ul', {}, ...results.map((r) => h('li', { 'data-case-id': r.caseId, 'data-ok': String(r.ok) }, r.ok ? `✓ ${subject(r.caseId)}` : `✗ ${subject(r.caseId)} — ${r.message}`))));
      for (const { tr } of page.trs.values()) tr.querySelector('input.pick').checked = picked.has(tr.dataset.caseId);
      picked.onChange();
    } catch (err) {
      if (err.status !== 401) bulkResults.replaceChildren(message('error', err.message));
    }
  };
  const bulkButton = (id, label, command) => h('button', { type: 'button', id, disabled: !canBulk, title: canBulk ? undefined : 'only a supervisor may do this', onclick: () => bulk(command(), label) }, label);
  const bulkBar = h('div', { class: 'actions bulk', id: 'bulk-bar', role: 'group', 'aria-label': 'bulk actions on the selected cases' },
    bulkCount,
    bulkButton('bulk-claim', 'Claim', () => ({ command: 'claim' })),
    bulkButton('bulk-release', 'Release', () => ({ command: 'release' })),
    bulkButton('bulk-rerun', 'Re-run', () => ({ command: 'rerun' })),
    bulkButton('bulk-close', 'Close', () => ({ command: 'close' })),
    reassignTo, bulkButton('bulk-reassign', 'Reassign', () => ({ command: 'reassign', to: reassignTo.value.trim() })));
  const refilter = () => { inboxPaging.cursors = []; scheduleReload(); };
  const input = (name, label, attrs = {}) => h('label', {}, label, h('input', { name, id: `filter-${name}`, value: inboxFilters[name], placeholder: 'any', ...attrs, oninput: (e) => { inboxFilters[name] = e.target.value.trim(); refilter(); } }));
  const select = (name, label, options) => h('label', {}, label, h('select', { id: `filter-${name}`, onchange: (e) => { inboxFilters[name] = e.target.value; refilter(); } },
    ...options.map(([value, text]) => h('option', { value, selected: value === inboxFilters[name] }, text))));
  const statusSelect = select('status', 'Status', [['ESCALATED,AWAITING_APPROVAL,FAILED', 'Waiting for a human'], ['AWAITING_APPROVAL', 'Pending approvals'], ['ESCALATED', 'Escalated'], ['FAILED', 'Failed'],
    ['RECEIVED,TRIAGED,CONTEXT_READY,RESOLVING,VERIFYING', 'In progress'], ['RESOLVED,CLOSED', 'Done'], [ALL_STATUSES, 'Any status']]);
  // A KPI drill-down narrows the inbox to the cases that arrived in a period, and to outcome tiers; shown, removable.
  const period = inboxFilters.createdFrom
    ? `arrived ${inboxFilters.createdFrom.slice(0, 10)}${inboxFilters.createdTo ? ` – ${new Date(Date.parse(inboxFilters.createdTo) - 1).toISOString().slice(0, 10)}` : ''}`
    : '';
  const tiers = inboxFilters.tier ? `outcome ${inboxFilters.tier.split(',').map((t) => t.replaceAll('_', ' ')).join(' or ')}` : '';
  const arrived = period || tiers
    ? h('span', { class: 'badge', id: 'filter-arrived' }, `${[period, tiers].filter(Boolean).join(' · ')} `,
      h('button', { type: 'button', class: 'link', 'aria-label': 'remove the drill-down filter', onclick: () => { inboxFilters.createdFrom = ''; inboxFilters.createdTo = ''; inboxFilters.tier = ''; inboxPaging.cursors = []; showInbox(); } }, '✕'))
    : null;
  const assigneeSelect = select('assignee', 'Assignee', [['', 'anyone'], ['me', 'me'], ['none', 'unassigned']]);

  const render = () => {
    const cursor = inboxPaging.cursors.at(-1);
    const pageNo = inboxPaging.cursors.length + 1;
    note.replaceChildren(page.rows.length
      ? h('p', { class: 'muted', id: 'inbox-count' }, `Page ${pageNo}: ${page.rows.length} case(s), most urgent first, then most recently changed${page.nextCursor ? '; more on the next page' : ''}`)
      : message('muted', 'No case matches.'));
    const trs = new Map();
    body.replaceChildren(...page.rows.map((c) => {
      const tr = page.trs.get(c.case_id)?.row === c ? page.trs.get(c.case_id).tr : inboxRow(c, picked);
      trs.set(c.case_id, { row: c, tr });
      return tr;
    }));
    page.trs = trs;
    for (const id of [...picked]) if (!trs.has(id)) picked.delete(id);
    picked.onChange();
    state.queue = page.rows.map((c) => c.case_id);
    if (page.selected && !trs.has(page.selected)) page.selected = null;
    for (const [id, { tr }] of trs) {
      tr.classList.toggle('selected', id === page.selected);
      tr.setAttribute('aria-selected', String(id === page.selected));
    }
    pager.replaceChildren(
      h('button', { type: 'button', id: 'first-page', disabled: !cursor, onclick: () => { inboxPaging.cursors = []; reload(); } }, '« First'),
      h('button', { type: 'button', id: 'prev-page', disabled: !cursor, onclick: () => { inboxPaging.cursors.pop(); reload(); } }, '‹ Previous'),
      h('button', { type: 'button', id: 'next-page', disabled: !page.nextCursor, onclick: () => { inboxPaging.cursors.push(page.nextCursor); reload(); } }, 'Next ›'));
  };

  // Every load of the page gets a number; an answer that arrives after a newer load began is dropped, so a slow answer to
  // an earlier query (the search as it was two keystrokes ago) never replaces the answer to the current one.
  // Cases that changed while the newest load was on its way: its answer may predate their change, so they are asked
  // for again once it has rendered.
  let loads = 0;
  let changedMeanwhile = null;
  const reload = async () => {
    const load = ++loads;
    const meanwhile = new Set();
    changedMeanwhile = meanwhile;
    try {
      const r = await api(`/v1/cases?${inboxQuery({ limit: String(PAGE_SIZE), cursor: inboxPaging.cursors.at(-1) })}`);
      if (load !== loads) return;
      changedMeanwhile = null;
      page.rows = r.cases;
      page.nextCursor = r.nextCursor;
      render();
      for (const id of meanwhile) changed(id);
    } catch (err) {
      if (load !== loads) return;
      changedMeanwhile = null;
      for (const id of meanwhile) changed(id);
      if (err.status === 400 && inboxPaging.cursors.length) { inboxPaging.cursors = []; return reload(); }
      if (err.status !== 401) note.replaceChildren(message('error', err.message));
    }
  };

  // Live: only the cases that changed are asked for again (with the page's own query), then placed, moved or dropped.
  const pending = new Set();
  let timer = null;
  const applyChanges = async () => {
    timer = null;
    const ids = [...pending].slice(0, 100);
    for (const id of ids) pending.delete(id);
    if (pending.size) timer = setTimeout(applyChanges, 0);
    // Rows asked for under the query as it is now; if the page loads again meanwhile, that load's answer is newer.
    const load = loads;
    let fresh;
    try {
      fresh = (await api(`/v1/cases?${inboxQuery({ ids: ids.join(','), limit: String(ids.length) })}`)).cases;
    } catch (err) {
      if (err.status !== 401 && load === loads) note.replaceChildren(message('error', err.message));
      return;
    }
    if (load !== loads) return;
    const first = page.rows[0];
    const last = page.rows.at(-1);
    const onFirstPage = inboxPaging.cursors.length === 0;
    // A row belongs on this page if it sorts within the page's range; rows are never dropped to keep the page at
    // PAGE_SIZE, so the next page still starts exactly where the cursor says.
    const fits = (c) => (onFirstPage || !first || queueOrder(first, c) <= 0) && (!page.nextCursor || !last || queueOrder(c, last) <= 0);
    const byId = new Map(fresh.map((c) => [c.case_id, c]));
    page.rows = page.rows.filter((c) => !ids.includes(c.case_id));
    for (const c of byId.values()) if (fits(c)) page.rows.push(c);
    page.rows.sort(queueOrder);
    render();
  };
  const changed = (caseId) => {
    changedMeanwhile?.add(caseId);
    pending.add(caseId);
    if (!timer) timer = setTimeout(applyChanges, 250);
  };

  const loadViews = async () => {
    try {
      const { views: list } = await api('/v1/views');
      views.replaceChildren(h('option', { value: '' }, list.length ? 'saved views…' : 'no saved views'), ...list.map((v) => h('option', { value: JSON.stringify(v.query) }, v.name)));
    } catch (err) {
      if (err.status !== 401) viewNote.textContent = err.message;
    }
  };
  views.addEventListener('change', () => {
    if (!views.value) return;
    const query = JSON.parse(views.value);
    for (const k of Object.keys(inboxFilters)) inboxFilters[k] = query[k] ?? (k === 'status' ? 'ESCALATED,AWAITING_APPROVAL,FAILED' : '');
    inboxPaging.cursors = [];
    showInbox();
  });
  const saveView = async () => {
    const name = viewName.value.trim();
    if (!name) { viewNote.textContent = 'Give the view a name.'; return; }
    const query = Object.fromEntries(Object.entries(inboxFilters).filter(([, v]) => v));
    try {
      await api(`/v1/views/${encodeURIComponent(name)}`, { method: 'PUT', body: { query } });
      viewNote.textContent = `Saved "${name}".`;
      viewName.value = '';
      await loadViews();
    } catch (err) {
      viewNote.textContent = err.message;
    }
  };

  app.replaceChildren(
    h('h1', {}, 'Inbox'),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      input('q', 'Search', { type: 'search', id: 'inbox-search', placeholder: 'subject, requester, id, tool, reason…', size: 32 }),
      statusSelect, assigneeSelect, arrived, input('tenant', 'Tenant'), input('intent', 'Intent'), input('region', 'Region'), input('reason', 'Reason'),
      h('label', {}, 'Views', views), h('label', {}, 'Save as', viewName), h('button', { type: 'button', id: 'save-view', onclick: saveView }, 'Save view'), viewNote),
    h('p', { class: 'muted keys', id: 'inbox-keys' }, 'Keys: j / k next / previous · o or Enter open · x tick for a bulk action · c claim · a approve · r reject · / search'),
    note,
    bulkBar, bulkResults,
    h('table', { id: 'inbox', 'aria-label': 'cases' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, pickAll), ...['Priority', 'Status', 'SLA', 'Subject', 'Assignee', 'Tenant', 'Intent', 'Region', 'Reason / held action'].map((t) => h('th', { scope: 'col' }, t)))),
      body),
    pager);
  const move = (delta) => {
    if (!page.rows.length) return;
    const i = page.rows.findIndex((c) => c.case_id === page.selected);
    page.selected = page.rows[Math.min(page.rows.length - 1, Math.max(0, i < 0 ? 0 : i + delta))].case_id;
    render();
    const tr = page.trs.get(page.selected)?.tr;
    tr?.focus();
    tr?.scrollIntoView({ block: 'nearest' });
  };
  const selectedRow = () => page.rows.find((c) => c.case_id === page.selected);
  const keys = {
    j: () => move(1), k: () => move(-1), '/': () => document.getElementById('inbox-search').focus(),
    o: () => { if (page.selected) location.hash = `#/case/${page.selected}`; },
    Enter: () => { if (page.selected) location.hash = `#/case/${page.selected}`; },
    c: () => { const c = selectedRow(); if (c) keyCommand(c.case_id, { command: 'claim' }, note); },
    x: () => { const tr = page.selected && page.trs.get(page.selected)?.tr; if (tr) tr.querySelector('input.pick').click(); },
    a: () => {
      const c = selectedRow();
      if (!c) return;
      if (c.status !== 'AWAITING_APPROVAL' || !c.approval) return note.replaceChildren(message('error', 'Nothing to approve on this case.'));
      if (window.confirm(`Approve ${c.approval.tool} on "${c.subject}"? It runs exactly the held call.`)) keyCommand(c.case_id, { command: 'approve', approvalId: c.approval.approvalId }, note);
    },
    r: () => {
      const c = selectedRow();
      if (!c) return;
      if (c.status !== 'AWAITING_APPROVAL' || !c.approval) return note.replaceChildren(message('error', 'Nothing to reject on this case.'));
      const reason = window.prompt(`Reject ${c.approval.tool} on "${c.subject}": why?`);
      if (reason?.trim()) keyCommand(c.case_id, { command: 'reject', approvalId: c.approval.approvalId, reason: reason.trim() }, note);
    },
  };
  state.view = { name: 'inbox', reload, changed, keys };
  await Promise.all([reload(), loadViews()]);
}

// ------------------------------------------------------------------ case view

function feedbackControls(caseId, target, reload) {
  const slot = h('div');
  const ask = (rating) => {
    const comment = h('textarea', { placeholder: 'What was right or wrong? (optional)', 'aria-label': 'feedback comment' });
    const form = h('form', { class: 'feedback-form' }, comment, h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, `Send ${rating === 'up' ? '▲ good' : '▼ bad'}`),
      h('button', { type: 'button', onclick: () => slot.replaceChildren() }, 'Cancel')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api(`/v1/cases/${caseId}/feedback`, { method: 'POST', body: { target, rating, comment: comment.value } });
        slot.replaceChildren(message('notice', 'Thanks, feedback recorded.'));
        setTimeout(reload, 600);
      } catch (err) {
        slot.replaceChildren(message('error', err.message));
      }
    });
    slot.replaceChildren(form);
  };
  return h('span', {}, h('span', { class: 'feedback' },
    h('button', { type: 'button', title: 'good', 'aria-label': '▲ good (thumbs up)', onclick: () => ask('up') }, '▲ good'),
    h('button', { type: 'button', title: 'bad', 'aria-label': '▼ bad (thumbs down)', onclick: () => ask('down') }, '▼ bad')), slot);
}

function resolverSteps(steps) {
  return h('ol', { class: 'steps' }, ...steps.map((st) => {
    if (st.kind === 'tool_call') return h('li', { class: 'tool-call' }, h('strong', {}, `tool call: ${st.tool}`), h('pre', {}, fmtJson(st.arguments ?? {})));
    if (st.kind === 'observation') {
      return h('li', { class: 'observation' }, h('strong', {}, `result of ${st.tool ?? 'tool'}`), st.latencyMs !== undefined ? h('span', { class: 'muted' }, ` (${st.latencyMs} ms)`) : null,
        st.error ? h('p', { class: 'error' }, `${st.error.code}: ${st.error.message}`) : null, h('pre', {}, fmtJson(st.result ?? null)));
    }
    return h('li', { class: st.kind }, h('strong', {}, st.kind === 'final' ? 'final answer' : 'thought'), h('p', {}, st.text ?? ''));
  }));
}

function traceBody(row) {
  const d = row.data ?? {};
  if (row.kind === 'result' && d.triage) {
    const t = d.triage;
    return h('dl', { class: 'kv' }, ...[['intent', t.intent], ['confidence', t.confidence], ['priority', t.priority], ['injection risk', t.injectionRisk], ['summary', t.summary], ['PII', t.pii?.found ? (t.pii.kinds ?? []).join(', ') || 'yes' : 'none']]
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v ?? '–'))]));
  }
  if (row.kind === 'result' && d.passages) {
    return h('ol', {}, ...d.passages.map((p) => h('li', {}, h('strong', {}, `${p.title ?? p.source ?? p.id ?? 'passage'}${p.score !== undefined ? ` (score ${Number(p.score).toFixed(3)})` : ''}`), h('p', { class: 'muted' }, p.text ?? ''))));
  }
  if (row.kind === 'result' && d.resolver) {
    const r = d.resolver;
    return h('div', {}, h('p', {}, h('strong', {}, `decision: ${r.decision}`), ` — ${r.summary}`), resolverSteps(r.steps ?? []),
      r.draftReply ? h('div', {}, h('h3', {}, 'Draft reply'), h('pre', { class: 'draft' }, r.draftReply)) : null,
      r.actions?.length ? h('div', {}, h('h3', {}, 'Actions'), h('pre', {}, fmtJson(r.actions))) : null,
      r.pendingApproval ? h('div', {}, h('h3', {}, 'Held for approval'), h('pre', {}, fmtJson(r.pendingApproval))) : null);
  }
  if (row.kind === 'result' && d.verifier) {
    const v = d.verifier;
    return h('div', {}, h('p', {}, h('strong', {}, v.verified ? 'verified' : 'NOT verified'), v.reason ? ` — ${v.reason}` : ''),
      h('table', {}, h('thead', {}, h('tr', {}, ...['check', 'arguments', 'expected', 'observed', 'passed'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...(v.evidence ?? []).map((e) => h('tr', {}, h('td', {}, e.tool), h('td', {}, h('pre', {}, fmtJson(e.arguments))), h('td', {}, h('pre', {}, fmtJson(e.expected))),
          h('td', {}, h('pre', {}, fmtJson(e.observed))), h('td', {}, e.passed ? '✔' : '✘'))))),
      v.unsupportedClaims?.length ? h('p', { class: 'error' }, `unsupported claims: ${v.unsupportedClaims.join('; ')}`) : null);
  }
  return h('pre', {}, fmtJson(d));
}

const HELPDESK_EVENTS = {
  helpdesk_delivered: (d) => `helpdesk: ${d.delivery} of run ${d.run} delivered (${d.target}${d.recovered ? ', found on the ticket, not sent twice' : ''})`,
  helpdesk_delivery_failed: (d) => `helpdesk: ${d.delivery} of run ${d.run} NOT delivered${d.reason ? ` — ${d.reason.code}` : ''}`,
  helpdesk_reopened: (d) => `ticket reopened${d.afterResolved ? ' after it was resolved' : ''}`,
  customer_replied: (d) => `customer replied → ${d.routedTo}`,
  satisfaction_rated: (d) => `customer rated it ${d.score}`,
};

function traceTitle(row) {
  const d = row.data ?? {};
  if (row.kind === 'dispatch') return `dispatched ${row.agent} (attempt ${d.attempt})${d.reason ? ` — ${d.reason}` : ''}`;
  if (row.kind === 'result') return `${row.agent} ${d.status}`;
  if (row.kind === 'command') return `command ${d.command} by ${d.by?.userId ?? '?'}`;
  if (row.kind === 'breaker') return `breaker ${d.breaker}`;
  if (row.kind === 'event' && HELPDESK_EVENTS[d.event]) return HELPDESK_EVENTS[d.event](d);
  if (row.kind === 'event') return `event ${d.event}`;
  return `${row.kind}${row.agent ? ` ${row.agent}` : ''}`;
}

// What the last command from a panel of the case page came to (`slot id|scope` → a function that renders it; the scope
// is the case, or the case and run for the reply's refusal). The page is rendered again on every live event for the
// case, also while a command is on its way: the outcome is shown in the panel on the page when it arrives (not in the
// detached one the click came from) and stays through later renders, as the reply draft does, until that panel's next
// command.
const outcomes = new Map();

function outcomeSlot(id, scope) {
  const slot = h('div', { id, 'data-scope': scope });
  const render = outcomes.get(`${id}|${scope}`);
  if (render) slot.replaceChildren(render());
  return slot;
}

/** Shows (or, without `render`, clears) a panel's outcome: in the slot of the same id and scope on the page now. */
function showOutcome(slot, render) {
  const key = `${slot.id}|${slot.dataset.scope}`;
  if (render) outcomes.set(key, render);
  else outcomes.delete(key);
  const live = slot.isConnected ? undefined : document.getElementById(slot.id);
  (live?.dataset.scope === slot.dataset.scope ? live : slot).replaceChildren(...(render ? [render()] : []));
}

/** An outcome that is a message: `showOutcome(result, said('error', text))`. */
const said = (kind, text) => () => message(kind, text);

/**
 * Sends a command on a case (after a confirm when `confirmText` is given) and says in `result` what happened; the case
 * reloads shortly after, and `onError` sees a refusal before it is shown.
 */
function commandSender(c, result, reload, onError = () => undefined) {
  return async (body, confirmText) => {
    if (confirmText && !window.confirm(confirmText)) return;
    showOutcome(result);
    try {
      const r = await api(`/v1/cases/${c.case_id}/commands`, { method: 'POST', body });
      showOutcome(result, said('notice', `${body.command} sent (decision ${r.decisionId}); the case updates live.`));
      setTimeout(reload, 500);
    } catch (err) {
      onError(err);
      showOutcome(result, said('error', err.message));
    }
  };
}

/** A held write's before/after, read by the gateway now (GET /v1/cases/{id}/approval/preview); a failure is shown, not fatal. */
function previewTable(p) {
  if (!p) return null;
  if (p.error) return message('error', `What approving changes could not be read: ${p.error}`);
  const show = (v) => (v === null || v === undefined ? 'unknown' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h('div', { id: 'approval-preview' },
    h('h3', {}, 'What approving changes'),
    h('p', { class: 'muted' }, `${p.read.tool} read by the gateway at ${fmtTime(p.readAt)}`),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'field'), h('th', { scope: 'col' }, 'now'), h('th', { scope: 'col' }, 'after approval'))),
      h('tbody', {}, ...p.fields.map((f) => h('tr', { class: f.changes ? 'changes' : '', 'data-field': f.path },
        h('th', { scope: 'row' }, f.label), h('td', {}, show(f.before)), h('td', {}, f.changes ? h('strong', {}, show(f.after)) : show(f.after)))))));
}

function actionPanel(c, reload, preview) {
  const canAct = state.me.role === 'supervisor';
  const result = outcomeSlot('action-result', c.case_id);
  const send = commandSender(c, result, reload);
  const disabled = !canAct;
  const why = canAct ? undefined : 'only a supervisor may do this';
  const children = [];
  const a = c.state.approval;
  if (c.status === 'AWAITING_APPROVAL' && a) {
    const comment = h('textarea', { id: 'approve-comment', 'aria-label': 'comment on the approval (optional)', placeholder: 'comment (optional)' });
    const reason = h('textarea', { id: 'reject-reason', 'aria-label': 'reason for rejecting', placeholder: 'reason for rejecting (required to reject)' });
    children.push(h('section', { class: 'card approval', id: 'approval-panel' },
      h('h2', {}, 'Held action: approval needed'),
      h('p', {}, 'Approving runs exactly this call through the gateway:'),
      h('dl', { class: 'kv' }, h('dt', {}, 'tool'), h('dd', { id: 'approval-tool' }, a.tool), h('dt', {}, 'approval'), h('dd', {}, a.approvalId),
        h('dt', {}, 'why held'), h('dd', {}, a.reason), a.expiresAt ? [h('dt', {}, 'expires'), h('dd', {}, fmtTime(a.expiresAt), ' ', expiryBadge(a.expiresAt, 'approval-expiry'))] : null),
      previewTable(preview),
      h('h3', {}, 'Exact arguments'),
      h('pre', { id: 'approval-args' }, fmtJson(a.arguments)),
      comment,
      h('div', { class: 'actions' },
        h('button', { id: 'approve', class: 'primary', disabled, title: why, onclick: () => send({ command: 'approve', approvalId: a.approvalId, ...(comment.value ? { comment: comment.value } : {}) }) }, `Approve ${a.tool}`)),
      reason,
      h('div', { class: 'actions' },
        h('button', { id: 'reject', class: 'danger', disabled, title: why, onclick: () => (reason.value.trim() ? send({ command: 'reject', approvalId: a.approvalId, reason: reason.value }) : showOutcome(result, said('error', 'Give a reason to reject.'))) }, 'Reject'))));
  }
  if (!['RESOLVED', 'CLOSED'].includes(c.status)) {
    const hint = h('textarea', { id: 'rerun-hint', 'aria-label': 'hint for the resolver (re-run)', placeholder: 'hint for the resolver (re-run)' });
    const note = h('textarea', { id: 'close-note', 'aria-label': 'closing note (optional)', placeholder: 'closing note (optional)' });
    const rerunnable = c.status === 'ESCALATED' || c.status === 'FAILED';
    children.push(h('section', { class: 'card', id: 'actions-panel' }, h('h2', {}, 'Actions'),
      h('div', { class: 'actions' }, h('button', { id: 'take-over', disabled, title: why, onclick: () => send({ command: 'take_over' }) }, 'Take over')),
      hint, h('div', { class: 'actions' }, h('button', { id: 'rerun', disabled: disabled || !rerunnable, title: why ?? (rerunnable ? undefined : 'only an escalated or failed case can be re-run'), onclick: () => send({ command: 'rerun', ...(hint.value ? { hint: hint.value } : {}) }) }, 'Send back to the resolver')),
      note, h('div', { class: 'actions' }, h('button', { id: 'close', disabled, title: why, onclick: () => send({ command: 'close', ...(note.value ? { note: note.value } : {}) }, 'Close this case without a reply?') }, 'Close case'))));
  }
  if (!canAct && children.length) children.unshift(message('muted', 'You are signed in as a viewer: you can read and give feedback, not decide.'));
  return h('div', {}, ...children, result);
}

// Where the case's reply, notes and escalation went (the helpdesk connector's reports) and what the ticket did since.
const DELIVERY_LABEL = { reply: 'Customer reply (public)', note: 'Internal note (private)', escalation: 'Escalation routing + handoff' };

function helpdeskPanel(c, reload) {
  const hd = c.state.helpdesk;
  const result = outcomeSlot('helpdesk-result', c.case_id);
  const canAct = state.me.role === 'supervisor';
  const resend = async (deliveryId) => {
    showOutcome(result);
    try {
      const r = await api(`/v1/cases/${c.case_id}/deliveries/${deliveryId}/resend`, { method: 'POST' });
      showOutcome(result, said('notice', `re-send requested (decision ${r.decisionId}); the delivery state updates live.`));
      setTimeout(reload, 500);
    } catch (err) {
      showOutcome(result, said('error', err.message));
    }
  };
  // Only http(s) links: the URL comes from the connector, never `javascript:` or `data:`.
  const safeUrl = hd?.ticketUrl && /^https?:\/\//i.test(hd.ticketUrl) ? hd.ticketUrl : null;
  const deliveries = Object.entries(hd?.deliveries ?? {}).sort(([, a], [, b]) => a.run - b.run || a.kind.localeCompare(b.kind));
  const expecting = !hd && (c.status === 'RESOLVED' || c.status === 'ESCALATED' || c.status === 'FAILED');
  return h('section', { class: 'card', id: 'helpdesk' }, h('h2', {}, 'Helpdesk'),
    safeUrl ? h('p', {}, h('a', { id: 'helpdesk-link', href: safeUrl, target: '_blank', rel: 'noopener noreferrer' }, `Open ticket ${hd.helpdeskTicketId ?? ''} in the helpdesk ↗`)) : null,
    deliveries.length
      ? h('table', { id: 'deliveries' },
        h('thead', {}, h('tr', {}, ...['Delivery', 'Run', 'State', 'Attempts', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...deliveries.map(([id, d]) => h('tr', { 'data-delivery-id': id, 'data-status': d.status },
          h('td', {}, DELIVERY_LABEL[d.kind] ?? d.kind, h('div', { class: 'muted' }, `${d.target} · ${fmtTime(d.at)}`)),
          h('td', {}, String(d.run)),
          h('td', {}, d.status === 'delivered'
            ? [h('span', { class: 'badge status-RESOLVED' }, 'delivered'), d.recovered ? h('div', { class: 'muted' }, 'found on the ticket after a restart; not sent twice') : null]
            : [h('span', { class: 'badge undelivered' }, d.kind === 'reply' ? 'reply not delivered' : 'not delivered'), d.reason ? h('div', { class: 'error' }, `${d.reason.code}: ${d.reason.message}`) : null]),
          h('td', {}, String(d.attempts)),
          h('td', {}, d.status === 'failed'
            ? h('button', { class: 'resend', disabled: !canAct, title: canAct ? 'send it again (never posts twice)' : 'only a supervisor may do this', onclick: () => resend(id) }, 'Re-send')
            : null)))))
      : h('p', { class: 'muted' }, expecting ? 'No delivery reported by the helpdesk connector yet.' : 'Nothing delivered to the helpdesk yet.'),
    hd && (hd.reopens || hd.customerReplies || hd.satisfaction)
      ? h('dl', { class: 'kv', id: 'helpdesk-signals' },
        hd.reopens ? [h('dt', {}, 'reopened'), h('dd', { class: 'error' }, `${hd.reopens}× after it was resolved (counts against the verified resolution)`)] : null,
        hd.customerReplies ? [h('dt', {}, 'customer replies'), h('dd', {}, `${hd.customerReplies}; last ${fmtTime(hd.lastCustomerReply?.at)} → ${hd.lastCustomerReply?.routedTo ?? '–'}`, h('pre', {}, hd.lastCustomerReply?.excerpt ?? ''))] : null,
        hd.satisfaction ? [h('dt', {}, 'satisfaction'), h('dd', {}, `${hd.satisfaction.score === 'good' ? '▲ good' : '▼ bad'}${hd.satisfaction.comment ? `: ${hd.satisfaction.comment}` : ''}`)] : null)
      : null,
    result);
}

// Who is on the case: claim / release / reassign, and a warning whenever someone else is (on opening, or on a claim
// the server refused because another supervisor got there first).
function assigneeWarning(assignee) {
  return h('div', { class: 'card warning', id: 'assignee-warning', role: 'alert' },
    h('strong', {}, `${assignee} is on this case.`), ' They claimed it; check with them before you act, or reassign it to yourself.');
}

function assignmentPanel(c, reload, banner) {
  const canAct = state.me.role === 'supervisor';
  const me = state.me.userId;
  const assignee = c.state.assignee ?? null;
  const result = outcomeSlot('assignment-result', c.case_id);
  const why = canAct ? undefined : 'only a supervisor may do this';
  const send = commandSender(c, result, reload, (err) => {
    if (err.body?.code === 'SUPERVISOR.ASSIGNED_TO_OTHER') banner.replaceChildren(assigneeWarning(err.body.assignee));
  });
  const to = h('input', { id: 'reassign-to', placeholder: 'username', 'aria-label': 'reassign to (username)', maxlength: 200, disabled: !canAct });
  if (['RESOLVED', 'CLOSED'].includes(c.status)) return h('section', { class: 'card', id: 'assignment' }, h('h2', {}, 'Assignee'), h('p', { id: 'assignee' }, assignee ?? 'nobody'));
  return h('section', { class: 'card', id: 'assignment' }, h('h2', {}, 'Assignee'),
    h('p', { id: 'assignee' }, assignee ? (assignee === me ? `${assignee} (you)` : assignee) : 'nobody yet'),
    h('div', { class: 'actions' },
      !assignee || assignee !== me ? h('button', { id: 'claim', class: 'primary', disabled: !canAct, title: why, onclick: () => send({ command: 'claim' }) }, 'Claim') : null,
      assignee === me ? h('button', { id: 'release', disabled: !canAct, title: why, onclick: () => send({ command: 'release' }) }, 'Release') : null,
      assignee && assignee !== me ? h('button', { id: 'reassign-me', disabled: !canAct, title: why, onclick: () => send({ command: 'reassign', to: me }) }, 'Reassign to me') : null),
    h('div', { class: 'actions' }, to, h('button', { id: 'reassign', disabled: !canAct, title: why, onclick: () => (to.value.trim() ? send({ command: 'reassign', to: to.value.trim() }) : showOutcome(result, said('error', 'Name who should take it.'))) }, 'Reassign')),
    result);
}

// The reply a supervisor sends on an escalated case: the agents' draft to edit, checked by the server with the
// verifier's claim rules before anything is sent. Edits, and the server's refusal of the last attempt (an outcome of
// the panel, scoped to the case and run), survive the live reloads of the page: a case event arriving just after a
// refusal must not wipe it.
const replyDrafts = new Map();

const refusalCard = (claims) => () => h('div', { class: 'card warning', role: 'alert' }, h('strong', {}, 'Not sent: the evidence does not support'),
  h('ul', {}, ...claims.map((claim) => h('li', { class: 'unsupported-claim' }, claim))));

function replyPanel(c, reload, banner) {
  if (c.status !== 'ESCALATED' || !c.draft) return null;
  const canAct = state.me.role === 'supervisor';
  const key = `${c.case_id}:${c.draft.run}`;
  const result = outcomeSlot('reply-result', c.case_id);
  const refused = outcomeSlot('reply-refused', key);
  const body = h('textarea', {
    id: 'reply-body', rows: 8, maxlength: 10000, 'aria-label': 'reply to the customer', disabled: !canAct,
    placeholder: 'Write the reply to the customer', oninput: (e) => replyDrafts.set(key, e.target.value),
  });
  body.value = replyDrafts.get(key) ?? c.draft.proposed ?? '';
  const send = commandSender(c, result, reload, (err) => {
    if (err.body?.code === 'SUPERVISOR.ASSIGNED_TO_OTHER') banner.replaceChildren(assigneeWarning(err.body.assignee));
    if (err.body?.code === 'SUPERVISOR.UNSUPPORTED_CLAIM') showOutcome(refused, refusalCard(err.body.claims ?? []));
  });
  const ev = c.draft.evidence;
  return h('section', { class: 'card', id: 'reply-panel' }, h('h2', {}, 'Reply to the customer'),
    h('p', { class: 'muted' }, c.draft.proposed ? 'Prefilled with the agents\' draft. ' : 'The agents proposed no reply. ',
      `Before it is sent, each sentence is checked against this run's verified evidence (${ev.actions} verified write${ev.actions === 1 ? '' : 's'}, ${ev.checks} passed check${ev.checks === 1 ? '' : 's'}); a sentence it does not support is refused and nothing is sent. Sending closes the case.`),
    body,
    h('div', { class: 'actions' },
      h('button', { id: 'send-reply', class: 'primary', disabled: !canAct, title: canAct ? undefined : 'only a supervisor may do this', onclick: () => {
        showOutcome(refused);
        if (!body.value.trim()) return showOutcome(result, said('error', 'Write the reply first.'));
        return send({ command: 'send_reply', body: body.value, run: c.draft.run }, 'Send this reply to the customer? The case closes.');
      } }, 'Send reply'),
      c.draft.proposed ? h('button', { id: 'reply-reset', disabled: !canAct, onclick: () => { body.value = c.draft.proposed; replyDrafts.delete(key); } }, 'Back to the agents\' draft') : null),
    refused, result);
}

/** The human reply of the run, from the trace (`reply_sent`): what the agents proposed beside what was sent, and by whom. */
function sentReply(c) {
  const row = [...c.trace].reverse().find((r) => r.kind === 'event' && r.data?.event === 'reply_sent');
  if (!row) return null;
  const d = row.data;
  return h('div', { id: 'reply-sent' }, h('h3', {}, `Reply sent by ${d.by}${d.edited ? ' (edited)' : ' (the agents\' draft as is)'}`), h('pre', {}, d.sent),
    d.edited && d.proposed ? [h('h3', {}, 'The agents proposed'), h('pre', { class: 'muted' }, d.proposed)] : null);
}

/** The case's control-verdict ledger: every guardrail decision, the supervisor's and the gateway's, oldest first. */
function verdictsCard(v) {
  const body = v.error ? message('error', `verdicts: ${v.error}`) : [
    v.gateway && !v.gateway.available ? h('p', { class: 'muted' }, `The gateway's verdicts could not be read: ${v.gateway.error ?? 'unavailable'}`) : null,
    v.verdicts.length
      ? h('ul', { id: 'verdict-list' }, ...v.verdicts.map((x) => h('li', { 'data-verdict': x.verdict },
        h('strong', {}, `${x.source} · ${x.control} · ${x.rule} → ${x.verdict}`),
        x.detail ? h('span', { class: 'muted' }, ` — ${x.detail}`) : null,
        h('span', { class: 'muted' }, ` ${fmtTime(x.at)}${x.agent ? ` · ${x.agent}` : ''}`),
        x.ruleVersion ? h('span', { class: 'muted rule-version' }, ` · ${x.ruleVersion}`) : null)))
      : h('p', { class: 'muted' }, 'none'),
  ];
  return h('section', { class: 'card', id: 'verdicts' }, h('h2', {}, 'Control verdicts'), body);
}

async function showCase(caseId) {
  const root = h('div', {}, h('p', { class: 'muted' }, 'Loading case…'));
  app.replaceChildren(root);
  // Live events can start a load while the last one is still on its way: only the newest load renders, so the page
  // never falls back to an older state of the case.
  let loads = 0;
  const reload = async () => {
    const load = ++loads;
    let c;
    try {
      c = await api(`/v1/cases/${caseId}`);
    } catch (err) {
      if (err.status !== 401 && load === loads) root.replaceChildren(h('p', {}, h('a', { href: '#/inbox' }, '← Inbox')), message('error', err.message));
      return;
    }
    // The ledger is its own request: a gateway that cannot be read must not keep the case page from showing.
    const verdicts = await api(`/v1/cases/${caseId}/verdicts`).catch((err) => ({ error: err.message }));
    const preview = c.status === 'AWAITING_APPROVAL' && c.state.approval ? await api(`/v1/cases/${caseId}/approval/preview`).catch((err) => ({ error: err.message })) : undefined;
    if (load !== loads) return;
    const ticket = c.ticket;
    const totals = c.trace.reduce((t, r) => ({ tokens: t.tokens + (r.input_tokens ?? 0) + (r.output_tokens ?? 0), cost: t.cost + (r.cost_usd ?? 0) }), { tokens: 0, cost: 0 });
    const lastOutcome = c.outcomes.at(-1);
    const assignee = c.state.assignee;
    const banner = h('div', {}, assignee && assignee !== state.me.userId ? assigneeWarning(assignee) : null);
    // A live update re-renders the page: whoever was typing (a reply, a reason, a note) keeps the field, the caret and
    // the focus — keyboard users are not thrown back to the top of the page.
    const focused = root.contains(document.activeElement) && document.activeElement.id ? document.activeElement : undefined;
    const caret = focused && typeof focused.selectionStart === 'number' ? [focused.selectionStart, focused.selectionEnd] : undefined;
    root.replaceChildren(
      h('p', {}, h('a', { href: '#/inbox' }, '← Inbox')),
      h('h1', {}, ticket.subject, ' ', statusBadge(c.status, 'case-status'), ' ', tierBadge(h, c.outcome)),
      h('p', { id: 'case-sla' }, c.sla ? `SLA ${c.sla.minutes} min from arrival (${c.sla.priority ?? ticket.priority}): ` : 'SLA: ', slaBadge(c.sla, c.status)),
      banner,
      h('div', { class: 'grid' },
        h('div', {},
          h('section', { class: 'card', id: 'ticket' }, h('h2', {}, 'Ticket'),
            h('dl', { class: 'kv' }, ...[['case', c.case_id], ['tenant', c.tenant_id], ['region', c.region], ['from', ticket.requester?.email], ['priority', ticket.priority], ['received', fmtTime(ticket.receivedAt)], ['mode', c.mode], ['intent', c.intent ?? '–'], ['run', c.state.run]]
              .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v ?? '–'))])),
            h('pre', {}, ticket.body)),
          c.handoff ? h('section', { class: 'card', id: 'handoff' }, h('h2', {}, 'Handoff packet'),
            h('dl', { class: 'kv' }, h('dt', {}, 'reason'), h('dd', {}, c.handoff.reason), h('dt', {}, 'breaker'), h('dd', {}, c.handoff.breaker ?? '–'), h('dt', {}, 'asked'), h('dd', {}, c.handoff.asked),
              h('dt', {}, 'next step'), h('dd', {}, c.handoff.suggestedNextStep ?? '–'), c.state.escalation?.assignee ? [h('dt', {}, 'assignee'), h('dd', {}, c.state.escalation.assignee)] : null),
            h('h3', {}, 'Findings'), h('ul', {}, ...c.handoff.findings.map((f) => h('li', {}, `${f.agent}: ${f.summary}`))),
            c.handoff.tried.length ? [h('h3', {}, 'Tried'), h('pre', {}, fmtJson(c.handoff.tried))] : null,
            h('h3', {}, 'Counters'), h('pre', {}, fmtJson(c.handoff.counters))) : null,
          h('section', { class: 'card' }, h('h2', {}, 'Trace'),
            h('p', { class: 'muted' }, `${c.trace.length} entries · ${totals.tokens} tokens · ${fmtUsd(totals.cost)}`),
            h('ol', { class: 'timeline', id: 'timeline' },
              h('li', { class: 'kind-ticket' }, h('div', { class: 'step-head' }, h('strong', {}, 'ticket received'), h('span', { class: 'muted' }, fmtTime(c.created_at)))),
              ...c.trace.map((row) => h('li', { class: `kind-${row.kind}`, 'data-trace-id': row.id },
                h('div', { class: 'step-head' }, h('strong', {}, traceTitle(row)), h('span', { class: 'muted' }, fmtTime(row.at)),
                  h('span', { class: 'usage' }, row.input_tokens !== null || row.cost_usd !== null ? `${(row.input_tokens ?? 0) + (row.output_tokens ?? 0)} tokens (${row.input_tokens ?? 0} in / ${row.output_tokens ?? 0} out) · ${fmtUsd(row.cost_usd)}` : ''),
                  row.kind === 'result' ? feedbackControls(c.case_id, { kind: 'step', ref: row.id }, reload) : null),
                row.kind === 'dispatch' ? null : traceBody(row)))))),
        h('div', {},
          assignmentPanel(c, reload, banner),
          replyPanel(c, reload, banner),
          actionPanel(c, reload, preview),
          h('section', { class: 'card', id: 'outcome' }, h('h2', {}, 'Outcome'),
            lastOutcome ? h('p', {}, statusBadge(lastOutcome.status), ` run ${lastOutcome.run} · ${fmtTime(lastOutcome.at)}`) : h('p', { class: 'muted' }, 'none yet'),
            h('h3', {}, 'Tier and its evidence'), tierEvidence(h, c.outcome),
            sentReply(c),
            c.state.resolution?.draftReply ? [h('h3', {}, c.mode === 'autonomous' ? 'Reply' : `Draft (${c.mode} mode)`), h('pre', {}, c.state.resolution.draftReply),
              feedbackControls(c.case_id, { kind: c.mode === 'autonomous' ? 'outcome' : 'note', ref: String(c.state.run) }, reload)] : null,
            lastOutcome && !c.state.resolution?.draftReply ? feedbackControls(c.case_id, { kind: 'outcome', ref: String(lastOutcome.run) }, reload) : null),
          helpdeskPanel(c, reload),
          h('section', { class: 'card' }, h('h2', {}, 'Status history'),
            h('ol', {}, ...c.transitions.map((t) => h('li', {}, `${t.from_status} → ${t.to_status}`, h('span', { class: 'muted' }, ` ${fmtTime(t.at)} — ${t.reason}`))))),
          h('section', { class: 'card', id: 'decisions' }, h('h2', {}, 'Decisions (audit)'),
            c.decisions.length ? h('ul', {}, ...c.decisions.map((d) => h('li', {}, `${d.command} by ${d.actor_id} (${d.actor_role}, ${d.via})`, h('span', { class: 'muted' }, ` ${fmtTime(d.at)}`)))) : h('p', { class: 'muted' }, 'none')),
          verdictsCard(verdicts),
          h('section', { class: 'card', id: 'feedback-list' }, h('h2', {}, 'Feedback'),
            c.feedback.length ? h('ul', {}, ...c.feedback.map((f) => h('li', {}, `${f.rating === 'up' ? '▲' : '▼'} ${f.target_kind}${f.target_ref ? ` ${f.target_ref}` : ''} by ${f.actor_id}${f.comment ? `: ${f.comment}` : ''}`))) : h('p', { class: 'muted' }, 'none')))));
    const again = focused ? document.getElementById(focused.id) : null;
    if (again && again !== focused) {
      if ((again.tagName === 'TEXTAREA' || (again.tagName === 'INPUT' && again.type === 'text')) && !again.disabled) again.value = focused.value;
      again.focus();
      if (caret && typeof again.setSelectionRange === 'function') again.setSelectionRange(caret[0], caret[1]);
    }
  };
  const step = (delta) => {
    const i = (state.queue ?? []).indexOf(caseId);
    const next = i < 0 ? undefined : state.queue[i + delta];
    if (next) location.hash = `#/case/${next}`;
  };
  const click = (id) => () => { const el = document.getElementById(id); if (el && !el.disabled) el.click(); };
  state.view = { name: 'case', caseId, reload, keys: {
    j: () => step(1), k: () => step(-1), c: click('claim'),
    a: () => { const tool = document.getElementById('approval-tool')?.textContent; if (tool && window.confirm(`Approve ${tool}? It runs exactly the held call.`)) click('approve')(); },
    r: () => document.getElementById('reject-reason')?.focus(), u: () => { location.hash = '#/inbox'; },
  } };
  await reload();
}

// ------------------------------------------------------------------ KPIs

function barChart(title, rows, value, format) {
  const width = 420, bar = 20, gap = 8, left = 120, right = 70;
  const max = Math.max(0, ...rows.map((r) => value(r) ?? 0)) || 1;
  const height = rows.length * (bar + gap) + 10;
  return h('figure', { class: 'card' }, h('figcaption', {}, h('strong', {}, title)),
    rows.length ? s('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title },
      ...rows.flatMap((r, i) => {
        const v = value(r);
        const y = 5 + i * (bar + gap);
        const w = v ? Math.max(2, ((width - left - right) * v) / max) : 0;
        return [
          s('text', { x: left - 6, y: y + bar * 0.7, 'text-anchor': 'end' }, String(r.group ?? r.reason)),
          s('rect', { class: 'bar', x: left, y, width: w, height: bar, rx: 3 }),
          s('text', { x: left + w + 6, y: y + bar * 0.7 }, format(v)),
        ];
      })) : h('p', { class: 'muted' }, 'no data'));
}

/**
 * Opens the inbox on the cases that arrived on one UTC day (any status), optionally only those of some outcome tiers:
 * a KPI trend's drill-down to exactly the cases behind a figure.
 */
function drillToDay(day, tiers = []) {
  const start = new Date(`${day}T00:00:00Z`);
  for (const k of Object.keys(inboxFilters)) inboxFilters[k] = '';
  inboxFilters.status = ALL_STATUSES;
  inboxFilters.createdFrom = start.toISOString();
  inboxFilters.createdTo = new Date(start.getTime() + 86400000).toISOString();
  inboxFilters.tier = tiers.join(',');
  inboxPaging.cursors = [];
  location.hash = '#/inbox';
}

// Each KPI of the trend and the outcome tiers whose cases it counts (outcomes/outcome-tier.ts).
const DRILLS = [
  ['verified', 'verified auto-resolution', ['verified_autonomous']],
  ['verified-held', 'verified resolution, not reopened', ['verified_autonomous', 'resolved_after_approval']],
  ['escalated', 'escalated', ['escalated']],
  ['reopened', 'reopened', ['reopened']],
  ['undelivered', 'not delivered', ['undelivered']],
];

/** The KPIs per UTC day of arrival, oldest first, with percentiles; each figure opens its own cases in the inbox. */
function trendTable(days) {
  if (!days.length) return h('p', { class: 'muted', id: 'kpi-trend' }, 'No case arrived in the period.');
  const drill = (d, [key, label, tiers], text) => h('button', {
    type: 'button', class: `link drill-${key}`, 'aria-label': `open the ${label} cases that arrived on ${d.group}`, onclick: () => drillToDay(d.group, tiers),
  }, text);
  return h('section', { class: 'card' }, h('h2', {}, 'Trend by day of arrival (UTC)'),
    h('p', { class: 'muted' }, 'Each figure opens the cases behind it in the inbox.'),
    h('table', { id: 'kpi-trend' },
      h('thead', {}, h('tr', {}, ...['day', 'cases', 'verified auto-resolution', 'verified, not reopened', 'escalation rate', 'reopened', 'not delivered', 'time to resolution p50', 'p90', 'cost per case'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...days.map((d) => h('tr', { 'data-day': d.group },
        h('th', { scope: 'row' }, d.group),
        h('td', {}, h('button', { type: 'button', class: 'link drill-all', 'aria-label': `open the ${d.cases} case(s) that arrived on ${d.group}`, onclick: () => drillToDay(d.group) }, String(d.cases))),
        h('td', {}, drill(d, DRILLS[0], fmtPct(d.autoResolutionRate))), h('td', {}, drill(d, DRILLS[1], fmtPct(d.verifiedResolutionRate))),
        h('td', {}, drill(d, DRILLS[2], fmtPct(d.escalationRate))), h('td', {}, drill(d, DRILLS[3], String(d.reopened ?? 0))), h('td', {}, drill(d, DRILLS[4], String(d.undelivered ?? 0))),
        h('td', {}, fmtDuration(d.ttrP50Seconds)), h('td', {}, fmtDuration(d.ttrP90Seconds)), h('td', {}, fmtUsd(d.costUsdPerCase)))))),
    h('div', { class: 'charts' },
      lineChart('Time to resolution by day: p50 and p90', 'kpi-trend-ttr', days, [['p50', (d) => d.ttrP50Seconds], ['p90', (d) => d.ttrP90Seconds]], fmtDuration),
      lineChart('Verified auto-resolution and escalation rate by day', 'kpi-trend-rates', days, [['verified auto-resolution', (d) => d.autoResolutionRate], ['escalation rate', (d) => d.escalationRate]], fmtPct)));
}

/**
 * A time series as lines, one per series, over the days in order; a day without a value breaks the line there.
 * SVG built with DOM calls (the page's CSP allows no inline script or style). Each point has a <title> with its value.
 */
function lineChart(title, id, days, series, format) {
  const width = 460, height = 200, left = 64, right = 16, top = 12, bottom = 40;
  const values = series.flatMap(([, get]) => days.map(get)).filter((v) => v !== null && v !== undefined);
  const max = Math.max(0, ...values) || 1;
  const x = (i) => left + (days.length === 1 ? (width - left - right) / 2 : (i * (width - left - right)) / (days.length - 1));
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const lines = series.flatMap(([name, get], k) => {
    const segments = [[]];
    days.forEach((d, i) => { const v = get(d); if (v === null || v === undefined) segments.push([]); else segments.at(-1).push([x(i), y(v), d.group, v]); });
    return [
      ...segments.filter((seg) => seg.length > 1).map((seg) => s('polyline', { class: `line series-${k}`, points: seg.map(([px, py]) => `${px},${py}`).join(' ') })),
      ...segments.flat().map(([px, py, day, v]) => s('circle', { class: `point series-${k}`, cx: px, cy: py, r: 3, 'data-series': name, 'data-day': day }, s('title', {}, `${name} ${day}: ${format(v)}`))),
    ];
  });
  const legend = series.map(([name], k) => s('text', { class: `legend series-${k}`, x: left + k * 150, y: height - 6 }, `— ${name}`));
  const axis = [
    s('line', { class: 'axis', x1: left, y1: top, x2: left, y2: height - bottom }), s('line', { class: 'axis', x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
    s('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, format(max)), s('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end' }, format(0)),
    s('text', { x: x(0), y: height - bottom + 14, 'text-anchor': days.length === 1 ? 'middle' : 'start' }, days[0].group), days.length > 1 ? s('text', { x: width - right, y: height - bottom + 14, 'text-anchor': 'end' }, days.at(-1).group) : null,
  ].filter(Boolean);
  return h('figure', { class: 'card', id }, h('figcaption', {}, h('strong', {}, title)),
    values.length ? s('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title }, ...axis, ...lines, ...legend) : h('p', { class: 'muted' }, 'no data'));
}

async function showKpis() {
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const from = h('input', { type: 'date', id: 'kpi-from', value: iso(new Date(today.getTime() - 7 * 86400000)) });
  const to = h('input', { type: 'date', id: 'kpi-to', value: iso(new Date(today.getTime() + 86400000)) });
  const groupBy = h('select', { id: 'kpi-group' }, h('option', { value: 'intent' }, 'intent'), h('option', { value: 'region' }, 'region'), h('option', { value: 'day' }, 'day (trend)'));
  const out = h('div');
  const exportLink = (format) => h('a', { href: `/v1/feedback/export?format=${format}&from=${from.value}&to=${to.value}`, download: '' }, format.toUpperCase());
  const links = h('span');
  // A change while the previous answer is on its way (the page's first load, then "day") must not be overwritten by it.
  let asked = 0;
  const reload = async () => {
    const mine = ++asked;
    links.replaceChildren('Export feedback: ', exportLink('jsonl'), ' · ', exportLink('csv'));
    try {
      const k = await api(`/v1/kpis?${new URLSearchParams({ from: from.value, to: to.value, groupBy: groupBy.value })}`);
      if (mine !== asked) return;
      const o = k.overall;
      const stat = (label, value) => h('div', { class: 'card stat' }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label));
      out.replaceChildren(
        h('div', { class: 'stats', id: 'kpi-overall' }, stat('cases', String(o.cases)), stat('verified auto-resolution', fmtPct(o.autoResolutionRate)), stat('escalation rate', fmtPct(o.escalationRate)),
          stat('mean time to resolution', fmtDuration(o.mttrSeconds)), stat('time to resolution p50 / p90', `${fmtDuration(o.ttrP50Seconds)} / ${fmtDuration(o.ttrP90Seconds)}`), stat('approval turnaround', fmtDuration(o.approvalTurnaroundSeconds)), stat('tokens per case', o.tokensPerCase === null ? '–' : Math.round(o.tokensPerCase).toString()),
          stat('cost per case', fmtUsd(o.costUsdPerCase)), stat('verified resolution, not reopened', fmtPct(o.verifiedResolutionRate)),
          stat('reopened after resolution', String(o.reopened ?? 0)), stat('not delivered to the helpdesk', String(o.undelivered ?? 0))),
        k.groupBy === 'day' ? trendTable(k.groups) : null,
        h('div', { class: 'charts' },
          barChart(`Cases by ${k.groupBy}`, k.groups, (r) => r.cases, String),
          barChart(`Verified auto-resolution rate by ${k.groupBy}`, k.groups, (r) => r.autoResolutionRate, fmtPct),
          barChart(`Escalation rate by ${k.groupBy}`, k.groups, (r) => r.escalationRate, fmtPct),
          barChart(`Verified resolution rate, not reopened, by ${k.groupBy}`, k.groups, (r) => r.verifiedResolutionRate, fmtPct),
          barChart('Escalation reasons', k.escalationReasons, (r) => r.count, String),
          barChart(`Mean time to resolution by ${k.groupBy}`, k.groups, (r) => r.mttrSeconds, fmtDuration),
          barChart(`Approval turnaround by ${k.groupBy}`, k.groups, (r) => r.approvalTurnaroundSeconds, fmtDuration),
          barChart(`Cost per case by ${k.groupBy}`, k.groups, (r) => r.costUsdPerCase, fmtUsd),
          barChart(`Tokens per case by ${k.groupBy}`, k.groups, (r) => r.tokensPerCase, (v) => (v === null ? '–' : String(Math.round(v))))));
    } catch (err) {
      if (mine === asked && err.status !== 401) out.replaceChildren(message('error', err.message));
    }
    await outcomes.reload();
    await ledger.reload();
    rollout.replaceChildren(await rolloutCard());
  };
  const rollout = h('div');
  const outcomes = outcomesSection(h, api, () => ({ from: from.value, to: to.value }));
  const ledger = verdictLedgerSection(() => ({ from: from.value, to: to.value }));
  for (const el of [from, to, groupBy]) el.addEventListener('change', reload);
  app.replaceChildren(h('h1', {}, 'KPIs'),
    h('div', { class: 'filters' }, h('label', {}, 'From', from), h('label', {}, 'To', to), h('label', {}, 'Group by', groupBy), links),
    h('p', { class: 'muted' }, 'Cases created in the period. Auto-resolved: resolved and verified with no human command.'), out, outcomes.section, ledger.section, rollout);
  state.view = { name: 'kpis', reload: () => undefined };
  await reload();
}

/** The guardrails' verdicts across cases in the KPI period (GET /v1/verdicts), newest first, each linking to its case. */
function verdictLedgerSection(period) {
  const control = h('select', { id: 'ledger-control', 'aria-label': 'control' }, ...['', 'breaker', 'approval', 'tenant_registry', 'injection_screen', 'redaction', 'read_back', 'region', 'rollout_mode', 'task_token', 'scope', 'tenant', 'schema', 'rate_limit', 'write_ledger', 'backend']
    .map((c) => h('option', { value: c }, c || 'every control')));
  const body = h('div');
  // As the KPIs: an answer to an earlier control or period never replaces the answer to the current one.
  let asked = 0;
  const reload = async () => {
    const mine = ++asked;
    const { from, to } = period();
    try {
      const r = await api(`/v1/verdicts?${new URLSearchParams({ from, to, limit: '100', ...(control.value ? { control: control.value } : {}) })}`);
      if (mine !== asked) return;
      body.replaceChildren(
        r.gateway.available ? null : h('p', { class: 'muted' }, `The gateway's verdicts could not be read: ${r.gateway.error ?? 'unavailable'}`),
        r.verdicts.length ? h('table', { id: 'ledger' },
          h('thead', {}, h('tr', {}, ...['when', 'source · control', 'rule', 'verdict', 'case'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, ...r.verdicts.map((v) => h('tr', { 'data-case-id': v.caseId ?? '', 'data-verdict': `${v.source}:${v.control}:${v.verdict}` },
            h('td', {}, fmtTime(v.at)), h('td', {}, `${v.source} · ${v.control}`), h('td', {}, v.rule, v.ruleVersion ? h('span', { class: 'muted rule-version' }, ` · ${v.ruleVersion}`) : null), h('td', {}, v.verdict, v.detail ? h('span', { class: 'muted' }, ` — ${v.detail}`) : null),
            h('td', {}, v.caseId ? h('a', { href: `#/case/${v.caseId}` }, v.caseId) : '–')))))
          : h('p', { class: 'muted', id: 'ledger' }, 'No verdict in the period.'));
    } catch (err) {
      if (err.status !== 401 && mine === asked) body.replaceChildren(message('error', `verdicts: ${err.message}`));
    }
  };
  control.addEventListener('change', reload);
  return { section: h('section', { class: 'card', id: 'verdict-ledger' }, h('h2', {}, 'Control verdicts in the period'),
    h('p', { class: 'muted' }, 'What the guardrails refused, capped, held or escalated, newest first (at most 100).'), h('label', {}, 'Control ', control), body), reload };
}

/** Withdraws a promotion after a confirm; the pair resolves by the policy file again. */
async function revokePromotion(p) {
  if (!window.confirm(`Withdraw the promotion of ${p.tenantId} · ${p.intent} to ${p.mode}? New cases resolve by the policy file again.`)) return;
  try {
    await api('/v1/rollout/promotions/revoke', { method: 'POST', body: { tenant: p.tenantId, intent: p.intent } });
  } catch (err) {
    if (err.status !== 401) window.alert(err.message);
  }
  const card = document.getElementById('rollout');
  if (card) card.replaceWith(await rolloutCard());
}

/**
 * The evidence for promoting a tenant + intent (rated shadow/assist cases, verification failures, procedure
 * simulations) and, for a supervisor, one button per mode it would raise the pair to — enabled only when the evidence
 * is there; the server decides again and records the promotion with its evidence in the decision log.
 */
function promotionForm() {
  const tenant = h('input', { id: 'promote-tenant', placeholder: 'tenant', 'aria-label': 'tenant to promote', maxlength: 200, size: 14 });
  const intent = h('input', { id: 'promote-intent', placeholder: 'intent', 'aria-label': 'intent to promote', maxlength: 200, size: 14 });
  const out = h('div', { id: 'promotion-evidence' });
  const check = async () => {
    if (!tenant.value.trim() || !intent.value.trim()) return out.replaceChildren(message('error', 'Name the tenant and the intent.'));
    try {
      const e = await api(`/v1/rollout/evidence?${new URLSearchParams({ tenant: tenant.value.trim(), intent: intent.value.trim() })}`);
      const verdict = (to) => {
        const v = e.verdicts[to];
        const canPromote = state.me.role === 'supervisor' && v.ready;
        return h('li', { 'data-to': to, 'data-ready': String(v.ready) }, `${to}: `, v.ready ? 'the evidence is there ' : `missing — ${v.missing.join('; ')} `,
          h('button', { type: 'button', id: `promote-${to}`, disabled: !canPromote, title: canPromote ? undefined : state.me.role !== 'supervisor' ? 'only a supervisor may do this' : 'the evidence is not there yet',
            onclick: async () => {
              if (!window.confirm(`Promote ${e.tenantId} · ${e.intent} to ${to}?`)) return;
              try {
                await api('/v1/rollout/promotions', { method: 'POST', body: { tenant: e.tenantId, intent: e.intent, to } });
                const card = document.getElementById('rollout');
                if (card) card.replaceWith(await rolloutCard());
              } catch (err) {
                if (err.status !== 401) out.append(message('error', err.message));
              }
            } }, `Promote to ${to}`));
      };
      out.replaceChildren(
        h('p', {}, `${e.tenantId} · ${e.intent} runs `, h('strong', { id: 'evidence-mode' }, e.mode), ` (${e.modeSource}); last ${e.windowDays} days: `,
          `${e.cases.shadow} shadow, ${e.cases.assist} assist, ${e.cases.autonomous} autonomous cases; ${e.verificationFailures} verification failure(s); `,
          `simulations ${e.simulations.map((x) => `${x.procedure} ${x.passed}/${x.tests}`).join(', ') || 'none'}`),
        h('p', { id: 'evidence-agreement' }, 'What humans then did with the proposals: ',
          `${e.agreement.repliesUnedited} of ${e.agreement.repliesSent} replies on shadow cases sent as drafted; `,
          `${e.agreement.approvalsApproved} of ${e.agreement.approvalsDecided} held writes approved`),
        h('ul', {}, verdict('assist'), verdict('autonomous')));
    } catch (err) {
      if (err.status !== 401) out.replaceChildren(message('error', err.message));
    }
  };
  return h('div', { id: 'promotion-form' }, h('h3', {}, 'Promote a tenant + intent on its evidence'),
    h('div', { class: 'actions' }, tenant, intent, h('button', { type: 'button', id: 'check-evidence', onclick: check }, 'Check the evidence')), out);
}

/** The per-tenant limit in words: a fixed cap, or this replica's share of the shared budget. */
function admissionLimit(adm) {
  const b = adm.sharedBudget;
  if (!b) return `at most ${adm.maxActivePerTenant || '∞'} cases per tenant`;
  return `${b.share} cases per tenant now: a budget of ${b.budget} shared by ${b.tenantsInDemand} tenant(s) with tickets in the last ${b.windowSeconds} s`;
}

/** Rollout as it stands: active demotions and promotions (with the evidence behind each), and tenants waiting for admission. */
async function rolloutCard() {
  try {
    const [dem, pro, adm] = await Promise.all([api('/v1/rollout/demotions'), api('/v1/rollout/promotions'), api('/v1/admission')]);
    const active = (rows, at) => rows.filter((r) => !r[at]);
    const list = (id, rows, line) => (rows.length ? h('ul', { id }, ...rows.map((r) => h('li', {}, line(r)))) : h('p', { class: 'muted', id }, 'none'));
    return h('section', { class: 'card', id: 'rollout' }, h('h2', {}, 'Rollout and admission'),
      h('h3', {}, 'Demoted to assist (automatic)'),
      list('demotions', active(dem.demotions, 'restoredAt'), (d) => `${d.tenantId} · ${d.intent} — ${d.reason} (${fmtTime(d.demotedAt)})`),
      h('h3', {}, 'Promoted by a supervisor, on evidence'),
      list('promotions', active(pro.promotions, 'revokedAt'), (p) => {
        const r = p.evidence?.ratings?.[p.mode];
        return [`${p.tenantId} · ${p.intent} → ${p.mode} by ${p.promotedBy} (${fmtTime(p.promotedAt)}; ${r ? `${r.approvedCases}/${r.ratedCases} rated cases approved` : 'evidence stored'}) `,
          state.me.role === 'supervisor' ? h('button', { type: 'button', class: 'link', onclick: () => revokePromotion(p) }, 'revoke') : null];
      }),
      promotionForm(),
      h('h3', { id: 'admission-limit' }, `Waiting for admission (${admissionLimit(adm)} in the agents' hands)`),
      list('admission', adm.tenants, (t) => `${t.tenantId}: ${t.queued} queued, ${t.active} active, oldest since ${fmtTime(t.oldestEnqueuedAt)}`));
  } catch (err) {
    return err.status === 401 ? h('div') : message('error', `rollout: ${err.message}`);
  }
}

/** The resolution procedures the supervisor runs (read-only): steps, success checks, reply, and every version loaded. */
async function showProcedures() {
  const out = h('div');
  app.replaceChildren(h('h1', {}, 'Procedures'), h('p', { class: 'muted' }, 'Loaded from PROCEDURES_DIR, validated and simulated at start-up (docs/procedures.md).'), out);
  state.view = { name: 'procedures', reload: () => undefined };
  try {
    const p = await api('/api/procedures');
    const step = (s) => h('li', {}, 'read' in s ? `read ${s.read} ${JSON.stringify(s.with)}` : 'write' in s ? `write ${s.write} ${JSON.stringify(s.with)}` : `escalate: ${s.escalate}`, s.when ? h('span', { class: 'muted' }, ` when ${s.when}`) : null);
    const card = (proc) => h('section', { class: 'card', 'data-procedure': `${proc.id}@${proc.version}` },
      h('h2', {}, `${proc.id}@${proc.version}`, h('span', { class: 'muted' }, ` · ${proc.intent}${proc.tenants ? ` · tenants ${proc.tenants.join(', ')}` : ''}`)),
      h('p', {}, proc.title), h('p', { class: 'muted' }, proc.description),
      h('h3', {}, 'Steps'), h('ol', {}, ...proc.steps.map(step)),
      h('h3', {}, 'Success checks'), h('ul', {}, ...proc.success.map((c) => h('li', {}, `${c.id}: ${c.read} ${JSON.stringify(c.with)} expect ${c.expect}`))),
      h('h3', {}, 'Reply'), h('pre', {}, proc.reply),
      h('p', { class: 'muted' }, `${proc.tests.length} simulation(s)`));
    const changes = h('div', { id: 'procedure-diff', 'aria-live': 'polite' });
    const showDiff = async (id, from, to) => {
      try {
        const d = await api(`/api/procedures/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`);
        const side = (v) => (v === undefined ? '' : JSON.stringify(v));
        changes.replaceChildren(h('h3', {}, `${id}: version ${from} → ${to}`), d.changes.length === 0 ? h('p', { class: 'muted' }, 'No changes.') : h('table', {},
          h('thead', {}, h('tr', {}, ...['field', 'change', 'before', 'after'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...d.changes.map((c) => h('tr', { 'data-change': c.kind }, h('td', {}, c.path), h('td', {}, c.kind), h('td', {}, h('code', {}, side(c.before))), h('td', {}, h('code', {}, side(c.after))))))));
      } catch (err) {
        if (err.status !== 401) changes.replaceChildren(message('error', err.message));
      }
    };
    // Newest first per procedure: the row after a version is the one it replaced.
    const previous = (v, i) => (p.versions[i + 1]?.id === v.id ? p.versions[i + 1].version : null);
    const versions = h('table', { id: 'procedure-versions' },
      h('thead', {}, h('tr', {}, ...['procedure', 'version', 'intent', 'digest', 'first loaded', 'last loaded', 'changes'].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...p.versions.map((v, i) => h('tr', {}, h('td', {}, v.id), h('td', {}, String(v.version)), h('td', {}, v.intent), h('td', {}, v.digest), h('td', {}, fmtTime(v.firstLoadedAt)), h('td', {}, fmtTime(v.lastLoadedAt)),
        h('td', {}, previous(v, i) === null ? '' : h('button', { type: 'button', 'data-diff': `${v.id}@${previous(v, i)}..${v.version}`, onclick: () => showDiff(v.id, previous(v, i), v.version) }, `diff from ${previous(v, i)}`))))));
    out.replaceChildren(h('p', {}, `Set ${p.digest}: ${p.loaded.length} procedures for ${p.intents.length} intents.`), ...p.loaded.map(card), h('h2', {}, 'Every version loaded'), versions, changes);
  } catch (err) {
    if (err.status !== 401) out.replaceChildren(message('error', err.message));
  }
}

start();
