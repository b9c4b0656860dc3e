// The cluster overview (/k/{cluster}): one row per municipality and
// strategy revision, with workshops held, the last one, goal areas,
// actions by status and exports, and a CSV of the same. Counts only.
import { t, applyI18n, initLangSwitch, onLang, getLang } from './i18n.js';
import { $, h } from './util.js';
import { api, showError, errorText, saveCSV } from './api.js';
import { patch } from './morph.js';
import { organizerKey, signIn } from './session.js';

const name = decodeURIComponent(location.pathname.split('/')[2] || '');
let key = organizerKey();
let data = null;

applyI18n();
initLangSwitch($('#lang-switch'));

const fmtDay = (s) => {
  if (!s) return '–';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleDateString(getLang() === 'en' ? 'en-GB' : 'sv-SE', { dateStyle: 'medium' });
};

async function load() {
  data = await api(`/api/clusters/${encodeURIComponent(name)}`, { token: key });
  render();
}

function render() {
  $('#cl-title').textContent = t('cluster.title', { name });
  document.title = `${t('cluster.title', { name })} – Processkarta`;
  if (!data) return;
  $('#cl').hidden = false;
  const cols = ['cluster.colMuni', 'cluster.colStrategy', 'cluster.colWorkshops', 'cluster.colLast', 'cluster.colGoals',
    'cluster.colPlanned', 'cluster.colOngoing', 'cluster.colDone', 'cluster.colExports'];
  const cell = (k, v) => h('td', {}, h('span', { class: 'cell-label' }, `${t(k)}: `), v);
  const rows = [];
  for (const m of data.municipalities) {
    if (!m.strategies.length) {
      rows.push(h('tr', { 'data-key': m.code }, h('th', { scope: 'row' }, `${m.name} (${m.code})`),
        h('td', { colspan: String(cols.length - 1), class: 'muted' }, t('cluster.noStrategies'))));
      continue;
    }
    m.strategies.forEach((s, i) => rows.push(h('tr', { 'data-key': s.id, 'data-strategy': s.id },
      h('th', { scope: 'row' }, i === 0 ? `${m.name} (${m.code})` : h('span', { class: 'sr-only' }, `${m.name} (${m.code})`)),
      h('td', {}, h('a', { href: `/s/${encodeURIComponent(s.id)}` }, `${s.title} ${s.revision}`)),
      cell('cluster.colWorkshops', String(s.workshops)),
      cell('cluster.colLast', fmtDay(s.lastWorkshopAt)),
      cell('cluster.colGoals', String(s.goals)),
      cell('cluster.colPlanned', String(s.actions.planned)),
      cell('cluster.colOngoing', String(s.actions.ongoing)),
      cell('cluster.colDone', String(s.actions.done)),
      cell('cluster.colExports', s.exports ? `${s.exports} (${fmtDay(s.lastExportAt)})` : '0'))));
  }
  patch($('#cl-body'), h('table', { class: 'data cluster-table' },
    h('caption', { class: 'sr-only' }, t('cluster.table')),
    h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, rows)));
}

$('#cl-csv').addEventListener('click', async () => {
  try {
    await saveCSV(`/api/clusters/${encodeURIComponent(name)}`, key, 'kluster.csv');
  } catch (err) { showError(err); }
});

$('#key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  key = $('#org-key').value.trim();
  try {
    await load();
    signIn(key);
    $('#key-section').hidden = true;
  } catch (err) {
    $('#key-error').textContent = err.code === 'unauthorized' ? t('org.badKey') : errorText(err);
    $('#org-key').setAttribute('aria-invalid', 'true');
  }
});

onLang(() => { applyI18n(); render(); });

render();
load().catch((err) => { if (err.code === 'unauthorized') $('#key-section').hidden = false; else showError(err); });
