// The board menu (the "Meny" button in the header): the accessibility
// statement, the privacy notice, and "Ta bort mig och mitt namn", which
// erases the participant after a confirm dialog.
import { h, $, store, tokenKey } from '../util.js';
import { t } from '../i18n.js';
import { api, errorText } from '../api.js';

/** Wires the menu button to its disclosure; ctx is the board's context. */
export function setupMenu(ctx) {
  const btn = $('#btn-menu');
  const menu = $('#board-menu');
  if (!btn || !menu) return;
  const close = (focus) => {
    menu.hidden = true;
    btn.setAttribute('aria-expanded', 'false');
    if (focus) btn.focus();
  };
  btn.addEventListener('click', () => {
    const open = menu.hidden;
    menu.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector('a, button')?.focus();
  });
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.stopPropagation(); close(true); }
  });
  document.addEventListener('pointerdown', (e) => {
    if (!menu.hidden && !menu.contains(e.target) && e.target !== btn && !btn.contains(e.target)) close(false);
  });
  $('#erase-me').addEventListener('click', () => { close(false); confirmErase(ctx, btn); });
}

/** Asks before erasing: it cannot be undone. */
function confirmErase(ctx, returnFocus) {
  const err = h('p', { id: 'erase-error', class: 'form-error', role: 'alert' });
  const yes = h('button', { type: 'button', class: 'btn btn-danger' }, t('erase.confirm'));
  const no = h('button', { type: 'button', class: 'btn' }, t('common.cancel'));
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'erase-title', 'aria-describedby': 'erase-text' },
    h('h2', { id: 'erase-title', tabindex: -1 }, t('erase.title')),
    h('p', { id: 'erase-text' }, t('erase.text')),
    err,
    h('div', { class: 'dialog-actions' }, yes, no));
  document.body.append(dlg);
  dlg.addEventListener('close', () => { dlg.remove(); returnFocus.focus(); });
  no.addEventListener('click', () => dlg.close());
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    err.textContent = '';
    // The server closes our socket with 4401 as it erases us: that is
    // expected now, not a revoked token to explain.
    ctx.erasing = true;
    try {
      await api(`/api/boards/${encodeURIComponent(ctx.boardId)}/participants/me`, { method: 'DELETE', token: ctx.token });
    } catch (e) {
      ctx.erasing = false;
      yes.disabled = false;
      err.textContent = e.code === 'conflict' ? t('erase.lastFacilitator') : errorText(e);
      return;
    }
    store.del(tokenKey(ctx.boardId));
    // The join form's remembered name and administration go too.
    store.del('processkarta.profile');
    ctx.client.forget();
    sessionStorage.setItem('processkarta.joinMessage', t('erase.done'));
    location.replace('/join');
  });
  dlg.showModal();
  dlg.querySelector('h2').focus();
}
