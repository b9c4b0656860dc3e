// Presentation mode: the chrome (header, toolbar, panel, zoom bar) hidden,
// the board filling the screen, the arrow keys stepping through the frames
// in reading order (the whole board first), Escape ending it.
import { t } from '../i18n.js';
import { $, h, announce } from '../util.js';
import { bounds, textOf } from '../model.js';

/** Wires the "Presentera" button (#btn-present) and the keys; returns {start, stop}. */
export function setupPresentation(ctx) {
  const { client, canvas } = ctx;
  let on = false, index = 0;
  const bar = h('div', { id: 'present-bar', class: 'present-bar', role: 'region', 'aria-label': t('present.label'), hidden: true },
    // The header (and its h1) is hidden while presenting: the page keeps a heading.
    h('h1', { class: 'sr-only', id: 'present-title' }),
    h('span', { id: 'present-where', class: 'present-where', role: 'status' }),
    h('span', { class: 'present-hint', 'aria-hidden': 'true' }, t('present.hint')),
    h('button', { type: 'button', class: 'btn present-exit', onclick: () => stop() }, t('present.exit')));
  document.body.append(bar);

  /** The stops: the whole board, then every frame by reading order. */
  function stops() {
    const frames = [...client.objects.values()].filter((o) => o.kind === 'frame' && bounds(o));
    frames.sort((a, b) => (Math.floor(a.y / 200) - Math.floor(b.y / 200)) || (a.x - b.x));
    return [null, ...frames];
  }

  function show() {
    const list = stops();
    index = Math.max(0, Math.min(index, list.length - 1));
    const f = list[index];
    if (!f) canvas.fit();
    else {
      const b = bounds(f);
      const r = canvas.size();
      const k = Math.min((r.w - 48) / b.w, (r.h - 96) / b.h);
      canvas.setCenter(b.x + b.w / 2, b.y + b.h / 2, k);
    }
    const where = f ? t('present.frame', { n: index, of: list.length - 1, title: textOf(f) || t('label.untitledFrame') }) : t('present.whole');
    $('#present-where').textContent = where;
  }

  function start() {
    if (on) return;
    on = true;
    index = 0;
    if (canvas.editing) canvas.commitEdit();
    document.body.classList.add('presenting');
    bar.hidden = false;
    $('#present-title').textContent = client.board?.title || t('board.pageTitle');
    bar.querySelector('.present-hint').textContent = t('present.hint');
    bar.querySelector('.present-exit').textContent = t('present.exit');
    announce(`${t('present.label')}. ${t('present.hint')}`);
    // The canvas takes the whole screen once the chrome is gone.
    requestAnimationFrame(() => requestAnimationFrame(() => { show(); canvas.svg.focus({ preventScroll: true }); }));
  }

  function stop() {
    if (!on) return;
    on = false;
    document.body.classList.remove('presenting');
    bar.hidden = true;
    requestAnimationFrame(() => { canvas.fit(); $('#btn-present')?.focus(); });
  }

  // Capture: while presenting the arrows step frames instead of moving objects.
  document.addEventListener('keydown', (e) => {
    if (!on || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest && e.target.closest('dialog, textarea, input, select')) return;
    const next = ['ArrowRight', 'ArrowDown', 'PageDown', ' '].includes(e.key);
    const prev = ['ArrowLeft', 'ArrowUp', 'PageUp'].includes(e.key);
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); stop(); return; }
    if (!next && !prev) return;
    e.preventDefault();
    e.stopPropagation();
    const n = stops().length;
    index = Math.max(0, Math.min(n - 1, index + (next ? 1 : -1)));
    show();
  }, true);

  $('#btn-present')?.addEventListener('click', start);
  return { start, stop, isOn: () => on };
}
