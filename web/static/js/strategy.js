// The revision page (/s/{id}): a strategy revision as a whole. The ranked
// goal areas of its latest goal workshop, every action grouped under its
// goal with owner, due date and status editable here (a change is an op on
// the action's board, which its workshop sees live), the workshops held
// with participation counts, the exports, the revision report and a CSV of
// the actions. It follows the boards live through the strategy's event
// stream. Counts only, never names.
import { t, applyI18n, initLangSwitch, onLang, getLang } from './i18n.js';
import { $, h, announce, toast, saveBlob, debounce } from './util.js';
import { api, showError, errorText, saveCSV } from './api.js';
import { patch } from './morph.js';
import { organizerKey, signIn, facilitatorToken } from './session.js';
import { downloadExport, openReport } from './facilitator.js';

const id = decodeURIComponent(location.pathname.split('/')[2] || '');
let key = organizerKey();
let rev = null;
const STATUSES = ['planned', 'ongoing', 'done'];
const POSITIONS = ['politician', 'manager', 'official', 'other'];

applyI18n();
initLangSwitch($('#lang-switch'));

$('#key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const k = $('#org-key').value.trim();
  if (!k) return;
  key = k;
  try {
    await load();
    signIn(k);
    $('#key-section').hidden = true;
    follow();
  } catch (err) {
    key = null;
    $('#key-error').textContent = err.code === 'unauthorized' ? t('org.badKey') : errorText(err);
    $('#org-key').setAttribute('aria-invalid', 'true');
  }
});

async function load() {
  rev = await api(`/api/strategies/${encodeURIComponent(id)}`, { token: key });
  render();
}

const fmtDay = (s) => {
  if (!s) return '';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleDateString(getLang() === 'en' ? 'en-GB' : 'sv-SE', { dateStyle: 'medium' });
};

function render() {
  if (!rev) return;
  $('#rev').hidden = false;
  const title = `${rev.title} ${rev.revision}`;
  $('#rev-title').textContent = title;
  document.title = `${title} – ${rev.municipalityName} – Processkarta`;
  $('#rev-sub').textContent = t('rev.sub', { name: rev.municipalityName, code: rev.municipality, n: rev.boards.length });
  const from = rev.boards.find((b) => b.id === rev.goalsFrom);
  $('#goals-from').textContent = from ? t('rev.goalsFrom', { title: from.title }) : t('rev.noGoals');
  patch($('#goals'), goalsView());
  patch($('#workshops'), workshopsView());
  patch($('#participation'), participationView());
  patch($('#exports'), exportsView());
}

// ------------------------------------------------------------ goals
function goalsView() {
  const groups = rev.goals.map((g, i) => ({ key: g.title, rank: i + 1, goal: g, actions: [] }));
  const byTitle = new Map(groups.map((g) => [g.key, g]));
  const loose = { key: '', rank: 0, goal: null, actions: [] };
  for (const a of rev.actions) (byTitle.get(a.goalTitle) || loose).actions.push(a);
  if (loose.actions.length) groups.push(loose);
  if (!groups.length) return h('p', { class: 'muted' }, t('rev.noGoals'));
  return h('ol', { class: 'goal-list' }, groups.map((g) => h('li', { class: 'goal-item', 'data-key': `goal:${g.key}` },
    h('div', { class: 'goal-head' },
      g.goal ? h('span', { class: 'rank-badge', 'aria-hidden': 'true' }, String(g.rank)) : null,
      h('h3', {}, g.goal ? h('span', { class: 'sr-only' }, t('rev.rank', { n: g.rank })) : null, g.goal ? g.goal.title : t('rev.noGoal'))),
    g.goal && (g.goal.target || g.goal.indicator) ? h('dl', { class: 'goal-facts' },
      g.goal.target ? [h('dt', {}, t('rev.target')), h('dd', {}, g.goal.target)] : null,
      g.goal.indicator ? [h('dt', {}, t('rev.indicator')), h('dd', {}, g.goal.indicator)] : null) : null,
    g.actions.length
      ? h('ul', { class: 'action-list', 'aria-label': t('rev.actionsOf', { goal: g.goal ? g.goal.title : t('rev.noGoal') }) }, g.actions.map(actionView))
      : h('p', { class: 'hint' }, t('rev.noActions')))));
}

function actionView(a) {
  const fid = (f) => `${f}-${a.id}`;
  const field = (name, label, control) => h('div', { class: 'field' }, h('label', { for: fid(name) }, label), control);
  const text = (name, max) => h('input', {
    id: fid(name), type: 'text', maxlength: String(max), value: a[name] || '', 'data-key': fid(name),
    onchange: (e) => change(a, { [name]: e.target.value.trim() || null }, e.target),
  });
  const due = h('input', { id: fid('due'), type: 'date', value: a.due || '', 'data-key': fid('due'), onchange: (e) => change(a, { due: e.target.value || null }, e.target) });
  const status = h('select', { id: fid('status'), 'data-key': fid('status'), onchange: (e) => change(a, { status: e.target.value }, e.target) },
    STATUSES.map((s) => h('option', { value: s, selected: a.status === s }, t(`action.status.${s}`))));
  status.value = a.status;
  return h('li', { class: 'action-item', 'data-key': `action:${a.id}`, 'data-action': a.id },
    h('div', { class: 'action-head' },
      h('h4', {}, a.title),
      h('span', { class: `status-chip status-${a.status}` }, t(`action.status.${a.status}`))),
    a.description ? h('p', { class: 'hint' }, a.description) : null,
    h('div', { class: 'action-fields' },
      field('owner', t('action.owner'), text('owner', 200)),
      field('responsible', t('action.responsible'), text('responsible', 200)),
      field('due', t('action.due'), due),
      field('status', t('action.status'), status)),
    h('p', { class: 'hint' }, t('rev.onBoard', { title: a.boardTitle }), ' ',
      h('button', { type: 'button', class: 'linklike', 'aria-label': `${t('rev.openBoard')}: ${a.boardTitle}`, onclick: () => openBoard(a.board) }, t('rev.openBoard'))),
    h('p', { class: 'form-error', id: fid('error'), role: 'alert' }));
}

// openBoard opens a workshop's board as its process leader.
async function openBoard(boardId) {
  try {
    await facilitatorToken(boardId, {});
    location.assign(`/b/${encodeURIComponent(boardId)}`);
  } catch (err) { showError(err); }
}

// change sends the edit as an op on the action's board: its workshop sees
// it at once, and the event stream brings it back here.
async function change(a, props, input) {
  const err = $(`#error-${CSS.escape(a.id)}`);
  try {
    await api(`/api/boards/${encodeURIComponent(a.board)}/ops`, { method: 'POST', token: key, body: { ops: [{ op: 'update', id: a.id, props }] } });
    input.removeAttribute('aria-invalid');
    if (err) err.textContent = '';
    Object.assign(a, Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v ?? ''])));
    announce(t('rev.saved', { title: a.title }));
    render();
  } catch (e) {
    input.setAttribute('aria-invalid', 'true');
    if (err) err.textContent = errorText(e);
  }
}

// ------------------------------------------------------------ workshops
function workshopsView() {
  if (!rev.boards.length) return h('p', { class: 'muted' }, t('rev.noWorkshops'));
  const titles = new Map(rev.boards.map((b) => [b.id, b.title]));
  return h('table', { class: 'data' },
    h('caption', { class: 'sr-only' }, t('rev.workshops')),
    h('thead', {}, h('tr', {}, ['rev.colWorkshop', 'rev.colDate', 'rev.colFrom', 'rev.colPeople', 'rev.colGoals', 'rev.colActions'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, rev.boards.map((b) => h('tr', { 'data-key': `ws:${b.id}` },
      h('th', { scope: 'row' }, h('button', { type: 'button', class: 'linklike', 'aria-label': t('org.facilitateNamed', { name: b.title }), onclick: () => openBoard(b.id) }, b.title),
        h('br'), h('span', { class: 'hint' }, t(`org.template.${b.template}`))),
      h('td', {}, fmtDay(b.activeAt)),
      h('td', {}, b.from ? t('board.continues', { title: titles.get(b.from) || '…' }) : '–'),
      h('td', {}, h('span', { class: 'cell-label' }, `${t('rev.colPeople')}: `), String(b.people)),
      h('td', {}, h('span', { class: 'cell-label' }, `${t('rev.colGoals')}: `), String(b.goals)),
      h('td', {}, h('span', { class: 'cell-label' }, `${t('rev.colActions')}: `), String(b.actions))))));
}

function countTable(caption, head, rows) {
  return h('table', { class: 'data counts' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, head), h('th', { scope: 'col' }, t('rev.count')))),
    h('tbody', {}, rows.map(([k, n]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, String(n))))));
}

function participationView() {
  const p = rev.participation;
  const pos = POSITIONS.map((k) => [t(`position.${k}`), p.byPosition[k] || 0]);
  const adm = Object.entries(p.byAdministration).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'sv'))
    .map(([k, n]) => [k || t('rev.noAdmin'), n]);
  return [
    h('div', {}, h('p', { class: 'big-number' }, t('rev.people', { n: p.people, w: p.workshops })),
      countTable(t('rev.byPosition'), t('rev.position'), pos)),
    h('div', {}, countTable(t('rev.byAdmin'), t('rev.admin'), adm.length ? adm : [[t('rev.noAdmin'), 0]])),
  ];
}

// ------------------------------------------------------------ exports
function exportsView() {
  if (!rev.exports.length) return h('li', { class: 'muted' }, t('org.noExports'));
  return [...rev.exports].reverse().map((x) => h('li', { 'data-key': `x:${x.id}` },
    h('span', {}, x.board ? x.title : h('strong', {}, x.title), ' ', h('span', { class: 'hint' }, fmtDay(x.createdAt))),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => download(x) }, t('org.download', { name: x.fileName || x.title })),
    x.report ? h('button', { type: 'button', class: 'btn btn-small', 'data-report': x.id, 'aria-label': t('export.openHtmlNamed', { name: x.fileName || x.title }),
      onclick: () => openReport(x.id, key).catch(showError) }, t('export.openHtml')) : null));
}

async function download(x) {
  try {
    const { blob, name } = await downloadExport(x.id, key, x.fileName);
    saveBlob(blob, name);
  } catch (err) { showError(err); }
}

$('#make-report').addEventListener('click', async () => {
  const btn = $('#make-report');
  btn.disabled = true;
  $('#report-status').textContent = t('rev.making');
  try {
    const x = await api(`/api/strategies/${encodeURIComponent(id)}/exports?lang=${getLang()}`, { method: 'POST', token: key });
    $('#report-status').textContent = t('rev.made', { name: x.fileName });
    await load();
  } catch (err) {
    $('#report-status').textContent = errorText(err);
  } finally { btn.disabled = false; }
});

$('#get-csv').addEventListener('click', async () => {
  try {
    await saveCSV(`/api/strategies/${encodeURIComponent(id)}`, key, 'atgarder.csv');
  } catch (err) { showError(err); }
});

// ------------------------------------------------------------ live
// The event stream says which board changed something shown here; the
// page then reads the summary again (coalesced).
const refresh = debounce(async () => {
  try { await load(); } catch (err) { showError(err); }
}, 150);

async function follow() {
  for (let delay = 1000; ;) {
    try {
      const res = await fetch(`/api/strategies/${encodeURIComponent(id)}/events`, { headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), Accept: 'text/event-stream' } });
      if (res.status === 401 || res.status === 404) return;
      if (!res.ok || !res.body) throw new Error(String(res.status));
      $('#rev-live').textContent = t('rev.live');
      document.body.dataset.live = 'on';
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (/^event: change$/m.test(ev)) refresh();
        }
      }
    } catch { /* reconnect below */ }
    document.body.dataset.live = 'off';
    $('#rev-live').textContent = t('rev.reconnecting');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15000);
    refresh();
  }
}

onLang(() => { applyI18n(); render(); });

if (!id) {
  toast(t('error.not_found'), 'error');
} else {
  load().then(follow, (err) => {
    if (err.code === 'unauthorized') { $('#key-section').hidden = false; return; }
    showError(err);
  });
}
