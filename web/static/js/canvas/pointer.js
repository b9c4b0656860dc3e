// Pointer input on the canvas: hit testing, pan, pinch, drag, resize,
// marquee, link and lane gestures, the wheel and double-click.
import { announce } from '../util.js';
import { t } from '../i18n.js';
import { bounds, intersects, laneBands, laneAt, byZ, textOf, LANE_HEIGHT, LANE_HEADER, NODE_KINDS } from '../model.js';
import { MIN_ZOOM, MAX_ZOOM } from './view.js';

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasPointers {
  hit(e) {
    const handle = e.target.closest('[data-handle]');
    if (handle) return { handle: handle.dataset.handle };
    const vote = e.target.closest('[data-vote]');
    if (vote) return { vote: Number(vote.dataset.vote), target: vote.dataset.target };
    const el = e.target.closest('[data-id]');
    if (el) return { id: el.dataset.id, el };
    return {};
  }

  objectAt(wx, wy, except) {
    const objs = this.effMap();
    const list = [...objs.values()].filter((o) => NODE_KINDS.includes(o.kind) && o.id !== except).sort(byZ).reverse();
    for (const o of list) {
      const b = bounds(o, objs);
      if (b && wx >= b.x && wx <= b.x + b.w && wy >= b.y && wy <= b.y + b.h) return o;
    }
    return null;
  }

  onPointerDown(e) {
    if (e.button !== undefined && e.button !== 0 && e.pointerType === 'mouse') return;
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.picked = false; // the pointer selects now; Space picks again
    if (this.editing) this.commitEdit();
    if (this.pointers.size === 2) {
      this.cancelGesture();
      const [a, b] = [...this.pointers.values()];
      const r = this.size();
      this.gesture = { type: 'pinch', d0: Math.hypot(a.x - b.x, a.y - b.y) || 1, view0: { ...this.view },
        m0: { x: (a.x + b.x) / 2 - r.left, y: (a.y + b.y) / 2 - r.top } };
      return;
    }
    if (this.pointers.size > 2) return;
    try { this.svg.setPointerCapture(e.pointerId); } catch { /* ignore */ }
    const w = this.toWorld(e.clientX, e.clientY);
    const h = this.hit(e);
    const canEdit = this.client.canEdit();
    const start = { sx: e.clientX, sy: e.clientY, w };
    if (h.vote) {
      e.preventDefault();
      this.dispatchEvent(new CustomEvent('vote', { detail: { target: h.target, delta: h.vote } }));
      return;
    }
    if (h.handle) {
      e.preventDefault();
      const o = this.editor.selected()[0];
      if (!o) return;
      if (h.handle === 'link') this.gesture = { type: 'link', from: o.id, ...start, to: w };
      else this.gesture = { type: 'resize', id: o.id, dir: h.handle, box0: bounds(o), ...start };
      return;
    }
    if (h.id) {
      const o = this.client.objects.get(h.id);
      const modified = e.shiftKey || e.ctrlKey || e.metaKey;
      if (modified) this.editor.select([h.id], 'toggle');
      else if (!this.editor.selection.has(h.id)) this.editor.select([h.id]);
      this.focusObject(h.id, false);
      if (canEdit && o && o.kind === 'lane' && !modified) {
        // A lane is hit only at its header (its band lets pointers
        // through): dragging the header up or down reorders the lanes.
        const band = laneBands(this.client.objects).find((b) => b.lane.id === o.id);
        this.gesture = { type: 'lane', id: o.id, from: band.index, to: band.index, y0: band.y0, ...start, moved: false };
      } else if (canEdit && o && o.kind !== 'lane' && o.kind !== 'link' && this.editor.selection.has(h.id)) {
        const ids = this.editor.moveSet([...this.editor.selection]);
        this.gesture = { type: 'drag', ids, ...start, moved: false };
      } else {
        this.gesture = { type: 'pan', view0: { ...this.view }, ...start, moved: false, clearOnClick: false };
      }
      return;
    }
    // empty canvas
    if (e.shiftKey || this.marqueeMode) {
      this.gesture = { type: 'marquee', ...start, base: e.shiftKey ? new Set(this.editor.selection) : new Set() };
    } else {
      this.gesture = { type: 'pan', view0: { ...this.view }, ...start, moved: false, clearOnClick: true };
    }
  }

  onPointerMove(e) {
    const w = this.toWorld(e.clientX, e.clientY);
    if (e.pointerType !== 'touch' || !this.gesture) this.client.setPresence({ cursor: { x: Math.round(w.x), y: Math.round(w.y) } });
    if (this.pointers.has(e.pointerId)) this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const gs = this.gesture;
    if (!gs) return;
    if (gs.type === 'pinch') {
      if (this.pointers.size < 2) return;
      const [a, b] = [...this.pointers.values()];
      const r = this.size();
      const d = Math.hypot(a.x - b.x, a.y - b.y) || 1;
      const m = { x: (a.x + b.x) / 2 - r.left, y: (a.y + b.y) / 2 - r.top };
      const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, gs.view0.s * d / gs.d0));
      const wx = (gs.m0.x - gs.view0.x) / gs.view0.s, wy = (gs.m0.y - gs.view0.y) / gs.view0.s;
      this.view = { s: k, x: m.x - wx * k, y: m.y - wy * k };
      this.applyView();
      return;
    }
    const dxs = e.clientX - gs.sx, dys = e.clientY - gs.sy;
    if (!gs.moved && Math.hypot(dxs, dys) < 4) return;
    gs.moved = true;
    const dx = w.x - gs.w.x, dy = w.y - gs.w.y;
    switch (gs.type) {
      case 'pan':
        this.view = { ...this.view, x: gs.view0.x + dxs, y: gs.view0.y + dys };
        this.applyView();
        break;
      case 'drag':
        this.transient.clear();
        for (const id of gs.ids) {
          const o = this.client.objects.get(id);
          if (o) this.transient.set(id, { x: o.x + dx, y: o.y + dy });
        }
        gs.dx = dx; gs.dy = dy;
        this.invalidate();
        break;
      case 'resize': {
        const b = { ...gs.box0 };
        if (gs.dir.includes('e')) b.w = Math.max(30, gs.box0.w + dx);
        if (gs.dir.includes('s')) b.h = Math.max(30, gs.box0.h + dy);
        if (gs.dir.includes('w')) { b.w = Math.max(30, gs.box0.w - dx); b.x = gs.box0.x + gs.box0.w - b.w; }
        if (gs.dir.includes('n')) { b.h = Math.max(30, gs.box0.h - dy); b.y = gs.box0.y + gs.box0.h - b.h; }
        gs.box = b;
        this.transient.set(gs.id, b);
        this.invalidate();
        break;
      }
      case 'marquee': {
        const x = Math.min(w.x, gs.w.x), y = Math.min(w.y, gs.w.y);
        gs.rect = { x, y, w: Math.abs(dx), h: Math.abs(dy) };
        const ids = new Set(gs.base);
        for (const o of this.client.objects.values()) {
          if (o.kind === 'lane' || o.kind === 'link') continue;
          const b = bounds(o);
          if (!b) continue;
          const r = gs.rect;
          const inside = b.x >= r.x && b.y >= r.y && b.x + b.w <= r.x + r.w && b.y + b.h <= r.y + r.h;
          if (o.kind === 'frame' ? inside : intersects(b, r)) ids.add(o.id);
        }
        this.editor.selection = ids;
        this.editor.emit('selection');
        break;
      }
      case 'link':
        gs.to = w;
        this.renderOverlay();
        break;
      case 'lane': {
        const n = laneBands(this.client.objects).length;
        gs.dy = dy;
        gs.to = Math.max(0, Math.min(n - 1, Math.round((gs.y0 + dy) / LANE_HEIGHT)));
        this.renderOverlay();
        break;
      }
      default:
    }
  }

  onPointerUp(e, cancelled = false) {
    this.pointers.delete(e.pointerId);
    const gs = this.gesture;
    if (!gs) return;
    if (gs.type === 'pinch') { if (this.pointers.size < 2) this.gesture = null; return; }
    this.gesture = null;
    if (cancelled) { this.transient.clear(); this.invalidate(); return; }
    switch (gs.type) {
      case 'pan':
        if (!gs.moved && gs.clearOnClick) this.editor.select([]);
        break;
      case 'drag':
        this.transient.clear();
        if (gs.moved && (gs.dx || gs.dy)) {
          this.editor.commit(this.editor.moveOps(gs.ids, gs.dx, gs.dy), 'move');
          announce(t('announce.moved', { n: gs.ids.size }));
        }
        this.invalidate();
        break;
      case 'resize':
        this.transient.clear();
        if (gs.box) this.editor.resize(gs.id, gs.box);
        this.invalidate();
        break;
      case 'marquee':
        this.editor.select([...this.editor.selection]);
        this.renderOverlay();
        break;
      case 'lane': {
        const lane = this.client.objects.get(gs.id);
        if (gs.moved && lane && gs.to !== gs.from && this.editor.moveLaneTo(gs.id, gs.to)) {
          const n = laneBands(this.client.objects).length;
          announce(t('announce.laneMoved', { name: lane.title || t('label.untitledLane'), n: gs.to + 1, of: n }));
        }
        this.renderOverlay();
        break;
      }
      case 'link': {
        const w = this.toWorld(e.clientX, e.clientY);
        const target = this.objectAt(w.x, w.y, gs.from);
        if (target) {
          const id = this.editor.link(gs.from, target.id);
          if (id) announce(t('announce.linked', { from: textOf(this.client.objects.get(gs.from)) || t('label.empty'), to: textOf(target) || t('label.empty') }));
        }
        this.renderOverlay();
        break;
      }
      default:
    }
  }

  cancelGesture() {
    const gs = this.gesture;
    this.gesture = null;
    if (gs && (gs.type === 'drag' || gs.type === 'resize')) { this.transient.clear(); this.invalidate(); }
    if (gs && gs.type === 'lane') this.renderOverlay();
  }

  onWheel(e) {
    e.preventDefault();
    const r = this.size();
    let dy = e.deltaY;
    if (e.deltaMode === 1) dy *= 16;
    if (e.shiftKey && !e.ctrlKey) { this.panBy(-dy, 0); return; }
    this.zoomAt(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
  }

  /** Double-click: edit an object's text; on a lane's band add a step there; on empty canvas add a note. */
  onDblClick(e) {
    // The svg captures the pointer on pointerdown, so the browser sends the
    // dblclick to the svg itself: find what lies under the pointer instead.
    const under = document.elementFromPoint(e.clientX, e.clientY);
    const h = this.hit(under && this.svg.contains(under) ? { target: under } : e);
    if (h.id) { this.startEdit(h.id); return; }
    if (h.handle || h.vote || !this.client.canEdit()) return;
    const w = this.toWorld(e.clientX, e.clientY);
    const inBand = w.x > LANE_HEADER && laneAt(laneBands(this.client.objects), w.x, w.y);
    const id = this.editor.create(inBand ? 'step' : 'note', w.x, w.y);
    if (id) this.startEdit(id);
  }
}
