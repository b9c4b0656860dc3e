// Projector view: the join code, large, with a QR code of the join link.
import { h } from './util.js';
import { t } from './i18n.js';
import { qrElement } from './qr.js';

export function joinURL(code) { return `${location.origin}/join?code=${encodeURIComponent(code)}`; }

export function showProjector(code, title = '') {
  const url = joinURL(code);
  const dlg = h('dialog', { class: 'projector', 'aria-labelledby': 'proj-title' },
    h('div', { class: 'projector-inner' },
      h('p', { class: 'projector-title', id: 'proj-title' }, title ? t('projector.titleNamed', { title }) : t('projector.title')),
      h('div', { class: 'projector-body' },
        h('div', { class: 'projector-text' },
          h('p', { class: 'projector-step' }, t('projector.goTo')),
          h('p', { class: 'projector-url' }, `${location.host}/join`),
          h('p', { class: 'projector-step' }, t('projector.enterCode')),
          h('p', { class: 'projector-code', 'aria-label': code.split('').join(' '), 'data-code': code }, code)),
        h('figure', { class: 'projector-qr' }, qrElement(url, t('projector.qrLabel', { url })), h('figcaption', {}, t('projector.scan')))),
      h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'btn' }, t('common.close')))));
  document.body.append(dlg);
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  if (dlg.requestFullscreen && matchMedia('(min-width: 900px)').matches) dlg.requestFullscreen().catch(() => {});
  return dlg;
}
