// Keyboard input on the canvas: focus, the tab order of objects, arrows,
// Enter/F2, Escape, Space and zoom keys.
import { bounds, laneBands } from '../model.js';
import { announce } from '../util.js';
import { t } from '../i18n.js';

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasKeyboard {
  onFocusIn(e) {
    const el = e.target.closest && e.target.closest('[data-id]');
    this.focusedId = el ? el.dataset.id : null;
    // The selection follows the focus unless it was picked with Space.
    if (el && !this.picked && !this.editor.selection.has(el.dataset.id) && !this.pointers.size) this.editor.select([el.dataset.id]);
    this.renderOverlay();
  }

  onFocusOut() {
    const a = document.activeElement;
    if (!a || !this.svg.contains(a)) { this.focusedId = null; this.renderOverlay(); }
  }

  /** Objects in keyboard order: lanes, then things by reading order, then links. */
  tabOrder() {
    const objs = this.client.objects;
    const lanes = laneBands(objs).map((b) => b.lane);
    const rest = [], links = [];
    for (const o of objs.values()) {
      if (o.kind === 'lane') continue;
      if (o.kind === 'link') { links.push(o); continue; }
      const b = bounds(o, objs);
      rest.push({ o, y: b ? b.y : 1e9, x: b ? b.x : 0 });
    }
    rest.sort((a, b) => (Math.floor(a.y / 60) - Math.floor(b.y / 60)) || (a.x - b.x) || (a.y - b.y));
    return [...lanes, ...rest.map((r) => r.o), ...links].map((o) => o.id);
  }

  focusObject(id, scroll = true) {
    const el = this.els.get(id);
    if (!el) return;
    el._inner.focus({ preventScroll: true });
    this.focusedId = id;
    if (scroll) this.ensureVisible(id);
    this.renderOverlay();
  }

  ensureVisible(id) {
    const o = this.shownObj(id);
    const b = o && bounds(o, this.client.objects);
    if (!b) return;
    const r = this.size();
    const p1 = this.toScreen(b.x, b.y), p2 = this.toScreen(b.x + b.w, b.y + b.h);
    const m = 40;
    let dx = 0, dy = 0;
    if (p2.x - p1.x > r.w - 2 * m || p1.x < m) dx = m - p1.x; else if (p2.x > r.w - m) dx = r.w - m - p2.x;
    if (p2.y - p1.y > r.h - 2 * m || p1.y < m) dy = m - p1.y; else if (p2.y > r.h - m) dy = r.h - m - p2.y;
    if (dx || dy) this.panBy(dx, dy);
  }

  onKey(e) {
    if (e.target === this.textarea) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const id = this.focusedId;
    const key = e.key;
    const detail = { key, ctrl, shift: e.shiftKey, alt: e.altKey, id };
    // Let the page handle global shortcuts (undo, copy, create...) first.
    const ev = new CustomEvent('key', { detail, cancelable: true });
    this.dispatchEvent(ev);
    if (ev.defaultPrevented) { e.preventDefault(); return; }
    if (key === 'Tab' && !ctrl && !e.altKey) {
      const order = this.tabOrder();
      const i = id ? order.indexOf(id) : -1;
      const j = e.shiftKey ? (i < 0 ? -1 : i - 1) : i + 1;
      if (j >= 0 && j < order.length) {
        e.preventDefault();
        // Objects picked with Space stay selected while Tab moves on, so
        // that two can be picked and linked with K.
        if (!this.picked) this.editor.select([order[j]]);
        this.focusObject(order[j]);
      } else if (e.shiftKey && i >= 0) {
        e.preventDefault();
        this.svg.focus();
      }
      return; // past the last object Tab leaves the canvas (no trap)
    }
    if (key.startsWith('Arrow')) {
      e.preventDefault();
      const step = e.shiftKey ? 50 : 10;
      const dx = key === 'ArrowLeft' ? -step : key === 'ArrowRight' ? step : 0;
      const dy = key === 'ArrowUp' ? -step : key === 'ArrowDown' ? step : 0;
      const ids = id ? (this.editor.selection.has(id) ? [...this.editor.selection] : [id]) : [];
      const movable = ids.filter((x) => { const o = this.client.objects.get(x); return o && o.kind !== 'lane' && o.kind !== 'link'; });
      if (movable.length && this.client.canEdit()) {
        this.editor.moveBy(movable, dx, dy);
        this.ensureVisible(movable[0]);
      } else {
        this.panBy(-dx * 4, -dy * 4);
      }
      return;
    }
    if (key === 'Enter' || key === 'F2') {
      if (id) { e.preventDefault(); this.startEdit(id); }
      return;
    }
    if (key === 'Escape') {
      e.preventDefault();
      if (this.gesture) { this.cancelGesture(); return; }
      this.picked = false;
      this.editor.select([]);
      this.svg.focus();
      return;
    }
    if (key === ' ' && id) {
      e.preventDefault();
      // The first Space keeps the focused object selected (it already is,
      // following the focus) and starts picking; later ones add or remove.
      if (!this.picked) { this.picked = true; this.editor.select([id]); } else this.editor.select([id], 'toggle');
      announce(t('announce.selected', { n: this.editor.selection.size }));
      return;
    }
    if (!ctrl && (key === '+' || key === '=')) { e.preventDefault(); this.zoomBy(1.25); return; }
    if (!ctrl && (key === '-' || key === '_')) { e.preventDefault(); this.zoomBy(0.8); return; }
    if (!ctrl && key === '0') { e.preventDefault(); this.fit(); return; }
  }
}
