// Join page: code, name, administration, position → POST /api/join; the
// token is kept per board in localStorage and the browser goes to the board.
import { t, applyI18n, initLangSwitch } from './i18n.js';
import { $, store, tokenKey } from './util.js';
import { api, errorText } from './api.js';

const PROFILE = 'processkarta.profile';
const CODE_RE = /^[ACDEFGHJKMNPQRTUVWXY34679]{6}$/;

applyI18n();
initLangSwitch($('#lang-switch'));

const form = $('#join-form');
const code = $('#code'), name = $('#name'), adm = $('#administration'), pos = $('#position');

const params = new URLSearchParams(location.search);
if (params.get('code')) code.value = normalize(params.get('code'));
try {
  const p = JSON.parse(store.get(PROFILE) || 'null');
  if (p) { name.value = p.name || ''; adm.value = p.administration || ''; pos.value = p.position || ''; }
} catch { /* ignore */ }
const msg = sessionStorage.getItem('processkarta.joinMessage');
if (msg) {
  sessionStorage.removeItem('processkarta.joinMessage');
  $('#join-message').textContent = msg;
  $('#join-message').hidden = false;
}
(code.value ? (name.value ? (pos.value ? $('#join-submit') : pos) : name) : code).focus();

function normalize(s) { return String(s).toUpperCase().replace(/[\s-]/g, ''); }

function setError(input, errEl, text) {
  errEl.textContent = text || '';
  if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
}

code.addEventListener('input', () => { setError(code, $('#code-error'), ''); });

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const c = normalize(code.value);
  let bad = null;
  setError(code, $('#code-error'), CODE_RE.test(c) ? '' : t('join.codeInvalid'));
  if (!CODE_RE.test(c)) bad = bad || code;
  setError(name, $('#name-error'), name.value.trim() ? '' : t('join.nameRequired'));
  if (!name.value.trim()) bad = bad || name;
  setError(pos, $('#position-error'), pos.value ? '' : t('join.positionRequired'));
  if (!pos.value) bad = bad || pos;
  $('#form-error').textContent = '';
  if (bad) { bad.focus(); return; }
  const btn = $('#join-submit');
  btn.disabled = true;
  btn.textContent = t('join.joining');
  try {
    const body = { code: c, name: name.value.trim(), administration: adm.value.trim(), position: pos.value };
    const r = await api('/api/join', { method: 'POST', body });
    store.set(PROFILE, JSON.stringify({ name: body.name, administration: body.administration, position: body.position }));
    store.set(tokenKey(r.board.id), r.token);
    location.assign(`/b/${encodeURIComponent(r.board.id)}`);
  } catch (err) {
    if (err.code === 'not_found') { setError(code, $('#code-error'), t('join.codeUnknown')); code.focus(); }
    else $('#form-error').textContent = errorText(err);
    btn.disabled = false;
    btn.textContent = t('join.submit');
  }
});
