// The keyboard help dialog (the ? key and the help button).
import { h } from '../util.js';
import { t } from '../i18n.js';

/** Opens the dialog listing the keyboard shortcuts; closing it removes it. */
export function showHelp() {
  const rows = ['tab', 'arrows', 'enter', 'escape', 'space', 'create', 'endEvent', 'link', 'vote', 'delete', 'copy', 'duplicate', 'undo', 'redo', 'zoom', 'fit', 'order', 'pan', 'marquee', 'help'];
  const dlg = h('dialog', { class: 'dialog help-dialog', 'aria-labelledby': 'help-title' },
    h('h2', { id: 'help-title', tabindex: -1 }, t('help.title')),
    h('table', { class: 'keys' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('help.key')), h('th', { scope: 'col' }, t('help.action')))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, h('kbd', {}, t(`help.${r}.key`))), h('td', {}, t(`help.${r}`)))))),
    h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'btn' }, t('common.close'))));
  document.body.append(dlg);
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  dlg.querySelector('h2').focus();
}
