// Organizer start page: the organizer's session (session.js), finding
// and adding municipalities from SCB's list, strategy revisions with their
// exported PDFs, creating boards from templates and listing them, and the
// projector view of a board's join code.
import { phaseName } from './labels.js';
import { t, applyI18n, initLangSwitch, onLang, getLang } from './i18n.js';
import { $, h, clear, store, announce, toast, saveBlob } from './util.js';
import { api, showError, errorText, ApiError } from './api.js';
import { downloadExport, openReport } from './facilitator.js';
import { showProjector } from './projector.js';
import { organizerKey, signIn, signOut, selectedMunicipality, selectMunicipality, rememberFacilitator, facilitatorToken, loadAccount, signInAccount, currentAccount } from './session.js';

let key = organizerKey();
let kommuner = [];
let munis = [];
let current = null; // municipality
let strategies = [];

applyI18n();
initLangSwitch($('#lang-switch'));
$('#strat-rev').value = String(new Date().getFullYear());

$('#key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const k = $('#org-key').value.trim();
  if (!k) return;
  try {
    await api('/api/municipalities', { token: k });
    key = k;
    signIn(k);
    $('#org-key').value = '';
    $('#key-error').textContent = '';
    $('#org-key').removeAttribute('aria-invalid');
    await start();
    $('#muni-search').focus();
  } catch (err) {
    $('#key-error').textContent = err.code === 'unauthorized' ? t('org.badKey') : errorText(err);
    $('#org-key').setAttribute('aria-invalid', 'true');
    $('#org-key').focus();
  }
});
$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const email = $('#login-email').value.trim();
  const password = $('#login-password').value;
  if (!email || !password) return;
  try {
    const { account, landing } = await signInAccount(email, password);
    $('#login-password').value = '';
    $('#login-error').textContent = '';
    $('#login-password').removeAttribute('aria-invalid');
    // A coordinator starts on the cluster overview; others here.
    if (account.role === 'coordinator' && landing.startsWith('/k/')) { location.assign(landing); return; }
    await start();
    $('#muni-search').focus();
  } catch (err) {
    $('#login-error').textContent = err.code === 'unauthorized' ? t('org.badLogin') : errorText(err);
    $('#login-password').setAttribute('aria-invalid', 'true');
    $('#login-password').focus();
  }
});

$('#sign-out').addEventListener('click', () => {
  signOut();
  key = null;
  showSignedIn(false);
  $('#login-email').focus();
});

function showSignedIn(on) {
  $('#key-form').hidden = on;
  $('#login-form').hidden = on;
  $('#oidc-box').hidden = on || !oidcOffered;
  $('#key-done').hidden = !on;
  $('#muni-section').hidden = !on;
  $('#detail').hidden = !on || !current;
  const a = currentAccount();
  $('#signed-in-as').textContent = a ? t('org.signedInAs', { name: a.name, role: t(`org.role.${a.role}`) }) : t('org.signedIn');
  $('#admin-link').hidden = !on || !(key || (a && a.role === 'admin'));
  $('#cluster-link').hidden = !on || !(a && a.role === 'coordinator');
  if (a && a.cluster) $('#cluster-link').href = `/k/${encodeURIComponent(a.cluster)}`;
}
let oidcOffered = false;

async function start() {
  showSignedIn(true);
  try {
    [kommuner, munis] = await Promise.all([
      kommuner.length ? kommuner : api('/api/kommuner'),
      api('/api/municipalities', { token: key }),
    ]);
  } catch (err) {
    if (err.code === 'unauthorized') { signOut(); key = null; showSignedIn(false); }
    showError(err);
    return;
  }
  // A leader adds only the municipalities the account lists.
  const a = currentAccount();
  if (a && a.role === 'leader') kommuner = kommuner.filter((k) => (a.municipalities || []).includes(k.code));
  renderMunis();
  search();
  const wanted = new URLSearchParams(location.search).get('kommun');
  const sel = wanted && munis.find((m) => m.code === wanted) ? wanted : selectedMunicipality();
  if (sel && munis.find((m) => m.code === sel)) await select(sel, false);
  else if (munis.length === 1) await select(munis[0].code, false);
}

// ---------------------------------------------------------- municipalities
const fold = (s) => String(s || '').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');

function search() {
  const q = fold($('#muni-search').value.trim());
  const list = $('#muni-results');
  clear(list);
  if (!q) { $('#muni-count').textContent = ''; return; }
  const hits = kommuner.filter((k) => k.code.startsWith(q) || fold(k.name).includes(q) || fold(k.county).includes(q));
  hits.sort((a, b) => (fold(a.name).startsWith(q) ? 0 : 1) - (fold(b.name).startsWith(q) ? 0 : 1) || a.name.localeCompare(b.name, 'sv'));
  $('#muni-count').textContent = hits.length ? `${t('org.searchResults')}: ${hits.length}` : t('org.noMatch');
  for (const k of hits.slice(0, 12)) {
    const exists = munis.find((m) => m.code === k.code);
    const label = `${k.name} (${k.code}, ${k.county})`;
    list.append(h('li', {}, h('button', {
      type: 'button', class: exists ? 'btn' : 'btn btn-primary', 'data-code': k.code,
      onclick: () => (exists ? select(k.code) : add(k)),
    }, exists ? t('org.open', { name: label }) : t('org.add', { name: label }))));
  }
}
$('#muni-search').addEventListener('input', search);

async function add(k) {
  try {
    const body = { code: k.code };
    const cluster = $('#muni-cluster').value.trim();
    if (cluster) body.cluster = cluster;
    const m = await api('/api/municipalities', { method: 'POST', body, token: key });
    munis.push(m);
    munis.sort((a, b) => a.code.localeCompare(b.code));
    renderMunis();
    search();
    toast(t('org.added', { name: m.name }));
    await select(m.code);
  } catch (err) { showError(err); }
}

function renderMunis() {
  const ul = $('#muni-list');
  clear(ul);
  if (!munis.length) { ul.append(h('li', { class: 'muted' }, t('org.noneYet'))); return; }
  for (const m of munis) {
    const cur = current && current.code === m.code;
    ul.append(h('li', {},
      h('span', {}, `${m.name} (${m.code})`, m.cluster ? [' · ', h('a', { href: `/k/${encodeURIComponent(m.cluster)}` }, t('org.clusterLink', { name: m.cluster }))] : ''),
      h('button', { type: 'button', class: cur ? 'btn btn-primary' : 'btn btn-small', 'aria-current': cur ? 'true' : undefined, onclick: () => select(m.code) }, t('org.open', { name: m.name }))));
  }
}

async function select(code, focus = true) {
  current = munis.find((m) => m.code === code) || null;
  if (!current) return;
  selectMunicipality(code);
  renderMunis();
  $('#detail').hidden = false;
  $('#detail-title').textContent = t('org.selected', { name: current.name, code: current.code });
  if (!$('#board-name').value) $('#board-name').value = `${current.name} – workshop`;
  // Busy until both lists are in: the strategies above the boards grow as
  // they arrive, so nothing below is where it will be until then.
  $('#detail').setAttribute('aria-busy', 'true');
  await Promise.all([loadStrategies(), loadBoards()]);
  if (focus) $('#detail-title').focus();
  $('#detail').setAttribute('aria-busy', 'false');
}

// -------------------------------------------------------------- strategies
async function loadStrategies() {
  try {
    strategies = await api(`/api/municipalities/${encodeURIComponent(current.code)}/strategies`, { token: key }) || [];
  } catch (err) { showError(err); strategies = []; }
  renderStrategies();
}

function renderStrategies() {
  const ul = $('#strat-list');
  clear(ul);
  if (!strategies.length) ul.append(h('li', { class: 'muted' }, t('org.noStrategies')));
  for (const s of strategies) {
    const exports = s.exports || [];
    ul.append(h('li', {},
      h('div', {},
        h('strong', {}, `${s.title} ${s.revision}`), ' ',
        h('a', { href: `/s/${encodeURIComponent(s.id)}`, class: 'btn btn-small', 'aria-label': t('org.openRevisionNamed', { name: `${s.title} ${s.revision}` }) }, t('org.openRevision')),
        h('p', { class: 'hint' }, exports.length ? t('org.exports') : t('org.noExports')),
        exports.length ? h('ul', { class: 'link-list' }, exports.map((x) => h('li', {},
          h('div', { class: 'export-links' },
            h('button', { type: 'button', class: 'linklike', onclick: () => download(x) },
              t('org.download', { name: x.fileName || x.title || x.id })),
            x.report ? h('button', { type: 'button', class: 'linklike', 'data-report': x.id, 'aria-label': t('export.openHtmlNamed', { name: x.fileName || x.title || x.id }),
              onclick: () => openReport(x.id, key).catch(showError) }, t('export.openHtml')) : null),
          h('span', { class: 'hint' }, ` ${fmtDate(x.createdAt)}${x.bytes ? ` · ${Math.round(x.bytes / 1024)} kB` : ''}`)))) : null)));
  }
  for (const sel of [$('#board-strategy'), $('#import-strategy')]) {
    const prev = sel.value;
    clear(sel);
    sel.append(h('option', { value: '' }, t('org.noStrategy')));
    for (const s of strategies) sel.append(h('option', { value: s.id }, `${s.title} ${s.revision}`));
    sel.value = prev && strategies.find((s) => s.id === prev) ? prev : (strategies.length ? strategies[strategies.length - 1].id : '');
  }
}

async function download(x) {
  try {
    const { blob, name } = await downloadExport(x.id, key, x.fileName);
    saveBlob(blob, name);
  } catch (err) { showError(err); }
}

$('#strat-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!current) return;
  try {
    await api(`/api/municipalities/${encodeURIComponent(current.code)}/strategies`, { method: 'POST', body: { title: $('#strat-name').value.trim(), revision: $('#strat-rev').value.trim() }, token: key });
    announce(t('org.strategyAdded'));
    await loadStrategies();
  } catch (err) {
    // The same title and revision twice would look alike in every list.
    if (err && err.status === 409) toast(t('org.strategyExists', { title: $('#strat-name').value.trim(), revision: $('#strat-rev').value.trim() }), 'error');
    else showError(err);
  }
});

// ------------------------------------------------------------------ boards
let boards = [];
async function loadBoards() {
  try {
    boards = await api(`/api/boards?municipality=${encodeURIComponent(current.code)}`, { token: key }) || [];
  } catch (err) { showError(err); boards = []; }
  renderBoards();
}

function renderBoards() {
  const box = $('#boards');
  clear(box);
  if (!boards.length) { box.append(h('p', { class: 'muted' }, t('org.noBoards'))); return; }
  const sorted = [...boards].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  box.append(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['org.colTitle', 'org.colTemplate', 'org.colCode', 'org.colActions'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, sorted.map((b) => {
      return h('tr', { 'data-board': b.id },
        h('td', {}, h('strong', {}, b.title), h('br'),
          h('span', { class: 'hint' }, [
            b.strategyTitle ? `${b.strategyTitle} ${b.revision || ''}`.trim() : t('org.noStrategy'),
            b.phase ? `${t('phase.label')}: ${phaseName(b.phase)}` : null,
            t('org.participants', { n: b.participants ?? 0 }),
            t('org.lastChange', { date: fmtDate(b.lastChangeAt || b.createdAt) }),
            ageText(b.createdAt),
            b.anonymised ? t('org.anonymised') : b.anonymiseAt ? t('org.anonymiseAt', { date: fmtDate(b.anonymiseAt) }) : t('org.keptUntilDeleted'),
          ].filter(Boolean).join(' · ')),
          b.from ? [h('br'), h('span', { class: 'hint' }, t('board.continues', { title: boards.find((x) => x.id === b.from)?.title || '…' }))] : null),
        h('td', {}, t(`org.template.${b.template}`)),
        h('td', { class: 'code-text' }, b.joinCode || '—'),
        h('td', {}, h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn btn-small btn-primary', 'aria-label': t('org.facilitateNamed', { name: b.title }), onclick: () => facilitate(b) }, t('org.facilitate')),
          b.joinCode ? h('a', { class: 'btn btn-small', href: `/join?code=${encodeURIComponent(b.joinCode)}`, 'aria-label': t('org.joinBoardNamed', { name: b.title }) }, t('org.joinBoard')) : null,
          b.joinCode ? h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('org.showCodeNamed', { name: b.title }), onclick: () => showProjector(b.joinCode, b.title) }, t('org.showCode')) : null,
          h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('org.continueNamed', { name: b.title }), onclick: () => continueBoard(b) }, t('org.continue')),
          h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `${t('org.deleteBoard')}: ${b.title}`, onclick: (e) => deleteBoard(b, e.currentTarget) }, t('org.deleteBoard')))));
    }))));
}

/** How long ago a board was created, in whole days. */
function ageText(created) {
  const days = Math.floor((Date.now() - Date.parse(created)) / 86400000);
  return days < 1 ? t('org.ageToday') : t('org.age', { n: days });
}

/** Deletes a board after a confirm dialog: DELETE /api/boards/{id}. */
function deleteBoard(b, returnFocus) {
  const yes = h('button', { type: 'button', class: 'btn btn-danger' }, t('org.deleteBoard'));
  const no = h('button', { type: 'button', class: 'btn' }, t('common.cancel'));
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'del-title' },
    h('h2', { id: 'del-title', tabindex: -1 }, t('org.deleteConfirm', { title: b.title })),
    h('div', { class: 'dialog-actions' }, yes, no));
  document.body.append(dlg);
  dlg.addEventListener('close', () => { dlg.remove(); if (returnFocus.isConnected) returnFocus.focus(); else { $('#boards-title').tabIndex = -1; $('#boards-title').focus(); } });
  no.addEventListener('click', () => dlg.close());
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await api(`/api/boards/${encodeURIComponent(b.id)}`, { method: 'DELETE', token: key });
    } catch (err) { showError(err); dlg.close(); return; }
    announce(t('org.deleted'));
    dlg.close();
    await loadBoards();
  });
  dlg.showModal();
  dlg.querySelector('h2').focus();
}

// continueBoard asks for the next workshop's title and template and
// creates it from b: it starts with b's goal areas (ranked) and actions.
function continueBoard(b) {
  const err = h('p', { class: 'form-error', id: 'cont-error', role: 'alert' });
  const title = h('input', { id: 'cont-title', type: 'text', maxlength: '200', required: true, value: t('org.continueDefault') });
  const tmpl = h('select', { id: 'cont-template' }, ['process-map', 'goal-workshop', 'blank'].map((v) => h('option', { value: v }, t(`org.template.${v}`))));
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'cont-head' },
    h('h2', { id: 'cont-head', tabindex: '-1' }, t('org.continueTitle', { name: b.title })),
    h('p', { class: 'hint' }, t('org.continueHint', { name: b.title })),
    h('form', { class: 'form', onsubmit: async (e) => {
      e.preventDefault();
      const body = { title: title.value.trim(), municipality: current.code, template: tmpl.value, from: b.id };
      try {
        const p = JSON.parse(store.get('processkarta.facilitatorProfile') || 'null');
        if (p && p.name) body.facilitator = p;
      } catch { /* no profile */ }
      try {
        const nb = await api('/api/boards', { method: 'POST', body, token: key });
        rememberFacilitator(nb.id, nb.facilitatorToken);
        toast(t('org.created'));
        location.assign(`/b/${encodeURIComponent(nb.id)}`);
      } catch (e2) { err.textContent = errorText(e2); title.setAttribute('aria-invalid', 'true'); }
    } },
    h('div', { class: 'field' }, h('label', { for: 'cont-title' }, t('org.boardTitle')), title),
    h('div', { class: 'field' }, h('label', { for: 'cont-template' }, t('org.template')), tmpl),
    err,
    h('div', { class: 'row wrap' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('org.create')),
      h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('common.cancel')))));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  title.select();
}

// Runs a board from this browser: with the facilitator token it holds, or
// a new one (POST /api/boards/{id}/facilitate), named as on the form.
async function facilitate(b) {
  try {
    await facilitatorToken(b.id, { name: $('#fac-name').value.trim(), administration: $('#fac-adm').value.trim(), position: $('#fac-pos').value });
    location.assign(`/b/${encodeURIComponent(b.id)}`);
  } catch (err) { showError(err); }
}

$('#board-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!current) return;
  const title = $('#board-name').value.trim();
  if (!title) { $('#board-name').setAttribute('aria-invalid', 'true'); $('#board-name').focus(); return; }
  $('#board-name').removeAttribute('aria-invalid');
  const body = { title, municipality: current.code, template: $('#board-template').value };
  if ($('#board-strategy').value) body.strategy = $('#board-strategy').value;
  const fname = $('#fac-name').value.trim();
  if (fname) body.facilitator = { name: fname, administration: $('#fac-adm').value.trim(), position: $('#fac-pos').value };
  store.set('processkarta.facilitatorProfile', JSON.stringify({ name: fname, administration: $('#fac-adm').value.trim(), position: $('#fac-pos').value }));
  try {
    const b = await api('/api/boards', { method: 'POST', body, token: key });
    rememberFacilitator(b.id, b.facilitatorToken);
    toast(t('org.created'));
    location.assign(`/b/${encodeURIComponent(b.id)}`);
  } catch (err) { $('#board-error').textContent = errorText(err); }
});

// ------------------------------------------------------------------ import
// A BPMN 2.0 or draw.io file becomes a new board (POST /api/boards/import
// with the file as XML). What the file held that a board has no place for
// is listed before the board opens.
$('#import-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!current) return;
  const input = $('#import-file');
  const file = input.files && input.files[0];
  const err = $('#import-error');
  const out = $('#import-result');
  clear(out);
  if (!file) { err.textContent = t('org.importNoFile'); input.setAttribute('aria-invalid', 'true'); input.focus(); return; }
  input.removeAttribute('aria-invalid');
  err.textContent = '';
  const q = new URLSearchParams({ municipality: current.code });
  const title = $('#import-name').value.trim();
  if (title) q.set('title', title);
  q.set('name', file.name.replace(/\.(bpmn|drawio|xml)$/i, '').slice(0, 200));
  if ($('#import-strategy').value) q.set('strategy', $('#import-strategy').value);
  if ($('#import-page').value) q.set('page', $('#import-page').value);
  const button = $('#import-form button[type=submit]');
  button.disabled = true;
  out.append(h('p', { class: 'muted' }, t('org.importing')));
  try {
    const headers = { 'Content-Type': 'application/xml', Accept: 'application/json' };
    if (key) headers.Authorization = `Bearer ${key}`;
    let res;
    try {
      res = await fetch(`/api/boards/import?${q}`, { method: 'POST', headers, body: file });
    } catch {
      throw new ApiError(0, 'network', t('error.network'));
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, data?.error?.code || `http_${res.status}`, data?.error?.message || t('error.http', { status: res.status }));
    rememberFacilitator(data.id, data.facilitatorToken);
    const href = `/b/${encodeURIComponent(data.id)}`;
    clear(out);
    if (!data.warnings || !data.warnings.length) {
      toast(t('org.imported', { title: data.title }));
      location.assign(href);
      return;
    }
    out.append(h('p', {}, t('org.imported', { title: data.title })), h('p', {}, t('org.importWarnings')),
      h('ul', { class: 'import-warnings' }, data.warnings.map((w) => h('li', {}, w))),
      h('a', { class: 'btn btn-primary', href }, t('org.importOpen')));
    loadBoards();
  } catch (ex) {
    clear(out);
    err.textContent = errorText(ex);
  } finally {
    button.disabled = false;
  }
});

try {
  const p = JSON.parse(store.get('processkarta.facilitatorProfile') || 'null');
  if (p) { $('#fac-name').value = p.name || ''; $('#fac-adm').value = p.administration || ''; $('#fac-pos').value = p.position || 'other'; }
} catch { /* ignore */ }

function fmtDate(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toLocaleString(getLang() === 'en' ? 'en-GB' : 'sv-SE', { dateStyle: 'medium', timeStyle: 'short' });
}

onLang(() => { if (key || currentAccount()) { showSignedIn(true); renderMunis(); search(); if (current) { $('#detail-title').textContent = t('org.selected', { name: current.name, code: current.code }); renderStrategies(); renderBoards(); } } });

loadAccount().then(({ account, oidc }) => {
  oidcOffered = oidc;
  if (key || account) start(); else showSignedIn(false);
});
