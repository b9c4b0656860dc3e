// The canvas's view: pan and zoom, and conversion between screen and
// world coordinates.
import { bounds, LANE_HEADER, LANE_WIDTH } from '../model.js';

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 4;

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasView {
  applyView() {
    const { x, y, s: k } = this.view;
    this.viewport.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
    this.svg.style.setProperty('--zoom', k);
    this.renderOverlay();
    this.renderScreen();
    this.positionEditor();
    this.dispatchEvent(new CustomEvent('view'));
  }

  size() { const r = this.svg.getBoundingClientRect(); return { w: r.width || 800, h: r.height || 600, left: r.left, top: r.top }; }

  toWorld(cx, cy) {
    const r = this.size();
    return { x: (cx - r.left - this.view.x) / this.view.s, y: (cy - r.top - this.view.y) / this.view.s };
  }

  toScreen(wx, wy) { return { x: wx * this.view.s + this.view.x, y: wy * this.view.s + this.view.y }; }

  /** The world point at the centre of the view. */
  center() {
    const r = this.size();
    return { x: (r.w / 2 - this.view.x) / this.view.s, y: (r.h / 2 - this.view.y) / this.view.s };
  }

  zoomAt(factor, sx, sy) {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.view.s * factor));
    const wx = (sx - this.view.x) / this.view.s, wy = (sy - this.view.y) / this.view.s;
    this.view = { s: k, x: sx - wx * k, y: sy - wy * k };
    this.applyView();
  }

  zoomBy(factor) { const r = this.size(); this.zoomAt(factor, r.w / 2, r.h / 2); }

  panBy(dx, dy) { this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy }; this.applyView(); }

  /** Centres the world point (x, y) at zoom k. */
  setCenter(x, y, k) {
    const r = this.size();
    k = Math.min(MAX_ZOOM * 5, Math.max(MIN_ZOOM, k));
    this.view = { s: k, x: r.w / 2 - x * k, y: r.h / 2 - y * k };
    this.applyView();
  }

  /**
   * The box around everything drawn, as shown (grown to hold text). Lane
   * bands count only as far right as something lies in them, so "Anpassa"
   * shows the content large rather than the bands' empty ends.
   */
  contentBounds() {
    let b = null;
    const objs = this.effMap();
    const add = (ob) => {
      if (!b) { b = { ...ob }; return; }
      const x1 = Math.max(b.x + b.w, ob.x + ob.w), y1 = Math.max(b.y + b.h, ob.y + ob.h);
      b.x = Math.min(b.x, ob.x); b.y = Math.min(b.y, ob.y); b.w = x1 - b.x; b.h = y1 - b.y;
    };
    let right = LANE_HEADER + 400;
    const lanes = [];
    for (const o of objs.values()) {
      const ob = bounds(o, objs);
      if (!ob) continue;
      if (o.kind === 'lane') { lanes.push(ob); continue; }
      add(ob);
      if (o.lane || (ob.x < LANE_WIDTH && ob.x + ob.w > 0)) right = Math.max(right, ob.x + ob.w + 40);
    }
    for (const lb of lanes) add({ ...lb, w: Math.min(lb.w, right) });
    return b;
  }

  /** Shows all content; with minZoom, never smaller than that (then the top-left of the content is shown). */
  fit(minZoom = 0) {
    const b = this.contentBounds() || { x: 0, y: 0, w: 800, h: 600 };
    const r = this.size();
    const pad = 32;
    const k = Math.min(1.5, MAX_ZOOM, Math.max(MIN_ZOOM, Math.min((r.w - 2 * pad) / b.w, (r.h - 2 * pad) / b.h)));
    if (k >= minZoom) { this.setCenter(b.x + b.w / 2, b.y + b.h / 2, k); return; }
    this.view = { s: minZoom, x: pad - b.x * minZoom, y: pad - b.y * minZoom };
    this.applyView();
  }

  /** Animates the view to centre (x, y) at zoom k (a summon). */
  animateTo(x, y, k) {
    const reduce = globalThis.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (reduce) { this.setCenter(x, y, k); return; }
    const from = { ...this.center(), k: this.view.s };
    const t0 = performance.now();
    const dur = 700;
    let mine = this.view;
    const stepF = (now) => {
      // Whoever moved the view since the last frame (a fit, a zoom, a
      // drag, a later summon) wins: the animation stops where they left it.
      if (this.view !== mine) return;
      const p = Math.min(1, (now - t0) / dur);
      const e = p < 0.5 ? 2 * p * p : 1 - (-2 * p + 2) ** 2 / 2;
      const kk = Math.exp(Math.log(from.k) + (Math.log(k) - Math.log(from.k)) * e);
      this.setCenter(from.x + (x - from.x) * e, from.y + (y - from.y) * e, kk);
      mine = this.view;
      if (p < 1) requestAnimationFrame(stepF);
    };
    requestAnimationFrame(stepF);
  }
}
