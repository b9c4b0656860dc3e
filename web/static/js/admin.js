// The admin page (/admin): organizer accounts (create, change role and
// scope, disable, sign out everywhere) and the audit log. For the organizer
// key's holder and admin accounts; the API answers 404 to anyone else.
import { t, applyI18n, initLangSwitch, onLang, getLang } from './i18n.js';
import { $, h, clear, announce } from './util.js';
import { api, showError, errorText } from './api.js';
import { organizerKey, loadAccount } from './session.js';

const key = organizerKey();
let accounts = [];
let events = [];

applyI18n();
initLangSwitch($('#lang-switch'));

const fmt = (s) => {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString(getLang() === 'en' ? 'en-GB' : 'sv-SE', { dateStyle: 'medium', timeStyle: 'short' });
};
const scope = (a) => (a.role === 'leader' ? (a.municipalities || []).join(', ') : a.role === 'coordinator' ? a.cluster : t('admin.all'));

async function load() {
  [accounts, events] = await Promise.all([api('/api/accounts', { token: key }), api('/api/audit?limit=200', { token: key })]);
  render();
}

function render() {
  const byId = new Map(accounts.map((a) => [a.id, a.email]));
  const list = $('#acct-list');
  clear(list);
  list.append(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['org.email', 'admin.name', 'admin.role', 'admin.scope', 'admin.status', 'org.colActions'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, accounts.map((a) => h('tr', { 'data-account': a.id },
      h('td', {}, a.email), h('td', {}, a.name), h('td', {}, t(`org.role.${a.role}`)), h('td', {}, scope(a) || '–'),
      h('td', {}, a.disabled ? t('admin.disabled') : t('admin.active')),
      h('td', {}, h('div', { class: 'row wrap' },
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('admin.editNamed', { email: a.email }), onclick: () => edit(a) }, t('admin.edit')),
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t(a.disabled ? 'admin.enableNamed' : 'admin.disableNamed', { email: a.email }),
          onclick: () => change(a, { disabled: !a.disabled }) }, t(a.disabled ? 'admin.enable' : 'admin.disable')),
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('admin.revokeNamed', { email: a.email }), onclick: () => revoke(a) }, t('admin.revoke')))))))));
  const audit = $('#audit-list');
  clear(audit);
  if (!events.length) { audit.append(h('p', { class: 'muted' }, t('admin.noEvents'))); return; }
  audit.append(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['admin.when', 'admin.action', 'admin.who', 'admin.what'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, events.map((e) => h('tr', {},
      h('td', {}, fmt(e.at)), h('td', {}, e.action),
      h('td', {}, e.account === 'organizer-key' ? t('admin.key') : byId.get(e.account) || e.account || (e.participant ? t('admin.participant') : '–')),
      h('td', {}, [e.municipality, e.board && `${t('admin.board')} ${e.board.slice(0, 8)}`, e.target && (byId.get(e.target) || e.target.slice(0, 8)), e.detail].filter(Boolean).join(' · ')))))));
}

function formBody() {
  const role = $('#acct-role').value;
  const body = { email: $('#acct-email').value.trim(), name: $('#acct-name').value.trim(), role };
  if (role === 'leader') body.municipalities = $('#acct-munis').value.split(/[\s,;]+/).filter(Boolean);
  if (role === 'coordinator') body.cluster = $('#acct-cluster').value.trim();
  const pw = $('#acct-password').value;
  if (pw) body.password = pw;
  return body;
}

function showScopeFields() {
  const role = $('#acct-role').value;
  $('#acct-munis-field').hidden = role !== 'leader';
  $('#acct-cluster-field').hidden = role !== 'coordinator';
}
$('#acct-role').addEventListener('change', showScopeFields);

function edit(a) {
  $('#acct-id').value = a.id;
  $('#acct-email').value = a.email;
  $('#acct-name').value = a.name;
  $('#acct-role').value = a.role;
  $('#acct-munis').value = (a.municipalities || []).join(', ');
  $('#acct-cluster').value = a.cluster || '';
  $('#acct-password').value = '';
  $('#acct-form-title').textContent = t('admin.editTitle', { email: a.email });
  $('#acct-submit').textContent = t('admin.save');
  $('#acct-cancel').hidden = false;
  showScopeFields();
  $('#acct-email').focus();
}

function resetForm() {
  $('#acct-form').reset();
  $('#acct-id').value = '';
  $('#acct-form-title').textContent = t('admin.newAccount');
  $('#acct-submit').textContent = t('admin.create');
  $('#acct-cancel').hidden = true;
  showScopeFields();
}
$('#acct-cancel').addEventListener('click', resetForm);

$('#acct-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $('#acct-id').value;
  try {
    if (id) await api(`/api/accounts/${encodeURIComponent(id)}`, { method: 'PATCH', body: formBody(), token: key });
    else await api('/api/accounts', { method: 'POST', body: formBody(), token: key });
    $('#acct-error').textContent = '';
    announce(t(id ? 'admin.saved' : 'admin.created'));
    resetForm();
    await load();
  } catch (err) { $('#acct-error').textContent = errorText(err); }
});

async function change(a, body) {
  try {
    await api(`/api/accounts/${encodeURIComponent(a.id)}`, { method: 'PATCH', body, token: key });
    announce(t('admin.saved'));
    await load();
  } catch (err) { showError(err); }
}

async function revoke(a) {
  try {
    await api(`/api/accounts/${encodeURIComponent(a.id)}/sessions`, { method: 'DELETE', token: key });
    announce(t('admin.revoked', { email: a.email }));
    await load();
  } catch (err) { showError(err); }
}

onLang(() => { applyI18n(); render(); });
showScopeFields();

loadAccount().then(async ({ account }) => {
  if (!key && !(account && account.role === 'admin')) { $('#admin-denied').hidden = false; return; }
  try {
    await load();
    $('#admin').hidden = false;
  } catch (err) {
    $('#admin-denied').hidden = false;
    showError(err);
  }
});
