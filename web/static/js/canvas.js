// The board canvas: an SVG with pan and zoom, one <g data-id data-kind> per
// object, overlays for selection, handles, votes and other people's cursors,
// pointer and keyboard input, and in-place text editing.
import { s, clear, colorFor, announce } from './util.js';
import { t } from './i18n.js';
import {
  bounds, center, edgePoint, intersects, laneBands, laneAt, byZ, textOf, textProp,
  LANE_HEIGHT, LANE_WIDTH, LANE_HEADER, EVENT_R, NODE_KINDS, SIZED_KINDS, DEFAULT_SIZE,
} from './model.js';

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

let measureCtx = null;
function measure(text, px, weight) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = `${weight || 400} ${px}px ${FONT}`;
  return measureCtx.measureText(text).width;
}

const wrapCache = new Map();

/** Wraps text into at most maxLines lines of width ≤ width (ellipsis when cut). Cached. */
export function wrapText(text, width, px, maxLines, weight) {
  const key = `${width}|${px}|${maxLines}|${weight || ''}|${text || ''}`;
  let lines = wrapCache.get(key);
  if (lines) return lines;
  lines = wrapUncached(text, width, px, maxLines, weight);
  if (wrapCache.size > 20000) wrapCache.clear();
  wrapCache.set(key, lines);
  return lines;
}

function wrapUncached(text, width, px, maxLines, weight) {
  const lines = [];
  for (const para of String(text || '').split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const test = line ? `${line} ${word}` : word;
      if (measure(test, px, weight) <= width) { line = test; continue; }
      if (line) lines.push(line);
      // a word longer than the line: break it
      let w = word;
      while (measure(w, px, weight) > width && w.length > 1) {
        let n = w.length - 1;
        while (n > 1 && measure(`${w.slice(0, n)}-`, px, weight) > width) n--;
        lines.push(`${w.slice(0, n)}-`);
        w = w.slice(n);
      }
      line = w;
    }
    lines.push(line);
    if (lines.length > maxLines) break;
  }
  while (lines.length && lines[lines.length - 1] === '' && lines.length > 1) lines.pop();
  if (lines.length > maxLines) {
    lines.length = Math.max(1, maxLines);
    let last = lines[lines.length - 1];
    while (last && measure(`${last}…`, px, weight) > width) last = last.slice(0, -1);
    lines[lines.length - 1] = `${last}…`;
  }
  return lines;
}

/** An SVG <text> with the lines centred on (cx, cy) or starting at top-left when align='start'. */
function textBlock(lines, x, y, px, { anchor = 'middle', valign = 'middle', weight, cls = 'obj-text', fill } = {}) {
  const lh = Math.round(px * 1.3);
  const y0 = valign === 'middle' ? y - ((lines.length - 1) * lh) / 2 : y + px;
  // The object's aria-label carries the full text; the drawn lines (which
  // may be hyphenated or cut short) are hidden from assistive technology.
  const el = s('text', { x, y: y0, 'font-size': px, 'text-anchor': anchor, class: cls, 'dominant-baseline': valign === 'middle' ? 'central' : 'auto', fill, 'aria-hidden': 'true' });
  if (weight) el.setAttribute('font-weight', weight);
  lines.forEach((line, i) => el.append(s('tspan', { x, y: y0 + i * lh }, line)));
  return el;
}

export class Canvas extends EventTarget {
  constructor({ wrap, svg, textarea, editor, client }) {
    super();
    this.wrap = wrap;
    this.svg = svg;
    this.textarea = textarea;
    this.editor = editor;
    this.client = client;
    this.view = { x: 40, y: 40, s: 0.5 };
    this.els = new Map();
    this.transient = new Map(); // id → props overriding the view while dragging
    this.focusedId = null;
    this.editing = null; // {id, prop, original}
    this.marqueeMode = false;
    this.pointers = new Map();
    this.gesture = null;
    this.pendingFrame = 0;
    this.dirtyAll = true;
    this.dirtyKinds = new Set();
    this.votable = new Set();
    this.build();
    this.bind();
  }

  // ------------------------------------------------------------------ setup

  build() {
    const svg = this.svg;
    clear(svg);
    const defs = s('defs', {},
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#334155' })),
      s('marker', { id: 'arrow-sel', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#1d4ed8' })));
    this.bg = s('rect', { class: 'canvas-bg', x: 0, y: 0, width: '100%', height: '100%' });
    this.viewport = s('g', { class: 'viewport' });
    this.gLanes = s('g', { class: 'layer-lanes' });
    this.gFrames = s('g', { class: 'layer-frames' });
    this.gLinks = s('g', { class: 'layer-links' });
    this.gNodes = s('g', { class: 'layer-nodes' });
    this.gOverlay = s('g', { class: 'layer-overlay' });
    this.gScreen = s('g', { class: 'layer-screen', 'aria-hidden': 'true' });
    this.viewport.append(this.gLanes, this.gFrames, this.gLinks, this.gNodes, this.gOverlay);
    svg.append(defs, this.bg, this.viewport, this.gScreen);
    this.applyView();
  }

  bind() {
    const svg = this.svg;
    svg.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    svg.addEventListener('pointermove', (e) => this.onPointerMove(e));
    svg.addEventListener('pointerup', (e) => this.onPointerUp(e));
    svg.addEventListener('pointercancel', (e) => this.onPointerUp(e, true));
    svg.addEventListener('pointerleave', () => this.client.setPresence({ cursor: null }));
    svg.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    svg.addEventListener('dblclick', (e) => this.onDblClick(e));
    svg.addEventListener('keydown', (e) => this.onKey(e));
    svg.addEventListener('focusin', (e) => this.onFocusIn(e));
    svg.addEventListener('focusout', () => setTimeout(() => this.onFocusOut(), 0));
    svg.addEventListener('contextmenu', (e) => { if (e.target.closest('[data-id]')) e.preventDefault(); });
    this.textarea.addEventListener('keydown', (e) => this.onEditorKey(e));
    this.textarea.addEventListener('blur', () => this.commitEdit());
    new ResizeObserver(() => this.renderScreen()).observe(this.wrap);
    // The wrapper clips; never let the browser scroll it (e.g. to show the editor).
    this.wrap.addEventListener('scroll', () => { this.wrap.scrollLeft = 0; this.wrap.scrollTop = 0; });
    const c = this.client;
    c.addEventListener('change', (e) => this.invalidate(e.detail.ids));
    c.addEventListener('presence', () => this.renderScreen());
    // Votes change only the labels of votable objects (and the overlay).
    c.addEventListener('votes', () => {
      const v = this.client.votes;
      for (const k of (v && v.kinds) || []) this.dirtyKinds.add(k);
      for (const k of this.votable) this.dirtyKinds.add(k);
      this.invalidate();
    });
    c.addEventListener('settings', () => this.invalidate(null));
    c.addEventListener('participants', () => this.renderScreen());
    // A redraw also re-marks selected links; unchanged objects are skipped.
    this.editor.addEventListener('selection', () => this.invalidate());
  }

  // ------------------------------------------------------------------- view

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

  contentBounds() {
    let b = null;
    for (const o of this.client.objects.values()) {
      const ob = bounds(o, this.client.objects);
      if (!ob) continue;
      if (!b) b = { ...ob };
      else {
        const x1 = Math.max(b.x + b.w, ob.x + ob.w), y1 = Math.max(b.y + b.h, ob.y + ob.h);
        b.x = Math.min(b.x, ob.x); b.y = Math.min(b.y, ob.y); b.w = x1 - b.x; b.h = y1 - b.y;
      }
    }
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
    const stepF = (now) => {
      const p = Math.min(1, (now - t0) / dur);
      const e = p < 0.5 ? 2 * p * p : 1 - (-2 * p + 2) ** 2 / 2;
      const kk = Math.exp(Math.log(from.k) + (Math.log(k) - Math.log(from.k)) * e);
      this.setCenter(from.x + (x - from.x) * e, from.y + (y - from.y) * e, kk);
      if (p < 1) requestAnimationFrame(stepF);
    };
    requestAnimationFrame(stepF);
  }

  // ---------------------------------------------------------------- drawing

  invalidate(ids) {
    if (ids === null) this.dirtyAll = true;
    if (this.pendingFrame) return;
    this.pendingFrame = requestAnimationFrame(() => { this.pendingFrame = 0; this.draw(); });
  }

  /** The object as shown: the view plus any drag/resize in progress. */
  eff(id) {
    const o = this.client.objects.get(id);
    if (!o) return null;
    const tr = this.transient.get(id);
    return tr ? { ...o, ...tr } : o;
  }

  effMap() {
    if (!this.transient.size) return this.client.objects;
    const m = new Map(this.client.objects);
    for (const [id, tr] of this.transient) { const o = m.get(id); if (o) m.set(id, { ...o, ...tr }); }
    return m;
  }

  draw() {
    // Moving an element in the DOM (stacking order, another layer) drops its
    // focus; give it back afterwards.
    const active = document.activeElement;
    const keep = active && active !== this.svg && this.svg.contains(active) ? active : null;
    const objs = this.effMap();
    const votes = this.client.votes;
    this.votable = new Set(votes && (votes.open || votes.tallies) ? votes.kinds || [] : []);
    const seen = new Set();
    const bands = laneBands(objs);
    const laneKey = bands.map((b) => `${b.lane.id}:${b.index}`).join('|');
    const lanesMoved = laneKey !== this.laneKey;
    this.laneKey = laneKey;
    const nodes = [], frames = [];
    for (const o of objs.values()) {
      seen.add(o.id);
      if (o.kind === 'frame') frames.push(o);
      else if (NODE_KINDS.includes(o.kind)) nodes.push(o);
    }
    // lanes
    for (const b of bands) this.drawObject(b.lane, this.gLanes, lanesMoved, b);
    // frames and nodes in z order
    frames.sort(byZ);
    nodes.sort(byZ);
    for (const o of frames) this.drawObject(o, this.gFrames);
    for (const o of nodes) this.drawObject(o, this.gNodes);
    this.order(this.gFrames, frames);
    this.order(this.gNodes, nodes);
    // links: always redrawn (they follow their ends)
    for (const o of objs.values()) if (o.kind === 'link') this.drawObject(o, this.gLinks, true, objs);
    for (const [id, el] of this.els) {
      if (!seen.has(id)) { el.remove(); this.els.delete(id); }
    }
    if (keep && keep.isConnected && document.activeElement !== keep) keep.focus({ preventScroll: true });
    this.dirtyAll = false;
    this.dirtyKinds.clear();
    this.renderOverlay();
    this.renderScreen();
    this.positionEditor();
    this.dispatchEvent(new CustomEvent('drawn'));
  }

  order(layer, list) {
    let prev = null;
    for (const o of list) {
      const el = this.els.get(o.id);
      if (!el) continue;
      const want = prev ? prev.nextSibling : layer.firstChild;
      if (want !== el) layer.insertBefore(el, want);
      prev = el;
    }
  }

  /**
   * Each object is a wrapper <g> (positioned) holding the focusable
   * g[data-id][role=button] with the shapes, and the drawn text beside it:
   * the button's name is its aria-label with the full text, while the drawn
   * lines may be hyphenated or cut short (WCAG 2.5.3 label in name).
   */
  drawObject(o, layer, force = false, extra = null) {
    let el = this.els.get(o.id);
    if (el && el._obj === o && !force && !this.dirtyAll && !this.dirtyKinds.has(o.kind)) return;
    if (!el) {
      el = s('g', { class: 'obj-wrap' });
      el._inner = s('g', { 'data-id': o.id, 'data-kind': o.kind, tabindex: -1, role: 'button', class: `obj kind-${o.kind}` });
      this.els.set(o.id, el);
      layer.append(el);
    } else if (el.parentNode !== layer) layer.append(el);
    const inner = el._inner;
    el._obj = o;
    // The focusable inner element stays in the document: taking it out
    // would drop the keyboard focus on every redraw of the focused object.
    for (const c of [...el.childNodes]) if (c !== inner) c.remove();
    clear(inner);
    inner.setAttribute('aria-label', this.label(o));
    inner.classList.toggle('votable', this.votable.has(o.kind));
    if (o.kind === 'event' && o.variant) inner.dataset.variant = o.variant;
    const fn = this[`draw_${o.kind}`];
    if (fn) fn.call(this, el, o, extra);
    const texts = [];
    for (const c of [...el.childNodes]) {
      if (c === inner) continue;
      if (c.tagName === 'text') texts.push(c);
      else inner.append(c);
    }
    if (el.firstChild !== inner) el.prepend(inner);
    for (const tx of texts) el.append(tx);
  }

  draw_lane(el, o, band) {
    const y = band ? band.y0 : 0;
    el.setAttribute('transform', `translate(0,${y})`);
    el.append(
      s('rect', { class: 'lane-band', x: 0, y: 0, width: LANE_WIDTH, height: LANE_HEIGHT, fill: o.color || '#f1f5f9' }),
      s('rect', { class: 'lane-head', x: 0, y: 0, width: LANE_HEADER, height: LANE_HEIGHT }),
      s('line', { class: 'lane-line', x1: 0, y1: LANE_HEIGHT, x2: LANE_WIDTH, y2: LANE_HEIGHT }),
      textBlock(wrapText(o.title || t('label.untitledLane'), LANE_HEADER - 24, 18, 8, 600), LANE_HEADER / 2, LANE_HEIGHT / 2, 18, { weight: 600, cls: 'obj-text lane-title' }),
    );
  }

  draw_step(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape', width: b.w, height: b.h, rx: 10, fill: o.color || '#ffffff' }));
    this.centerText(el, o.text, b.w - 16, b.h - 8, b.w / 2, b.h / 2, 16);
  }

  draw_decision(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('polygon', { class: 'shape', points: `${b.w / 2},0 ${b.w},${b.h / 2} ${b.w / 2},${b.h} 0,${b.h / 2}`, fill: '#fef3c7' }));
    this.centerText(el, o.text, b.w * 0.62, b.h * 0.6, b.w / 2, b.h / 2, 14);
  }

  draw_event(el, o) {
    el.setAttribute('transform', `translate(${o.x},${o.y})`);
    const end = o.variant === 'end';
    el.append(s('circle', { class: `shape ${end ? 'event-end' : 'event-start'}`, r: EVENT_R }));
    if (o.text) {
      const lines = wrapText(o.text, 140, 14, 2);
      el.append(textBlock(lines, 0, EVENT_R + 4, 14, { valign: 'top' }));
    }
  }

  draw_note(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape note-shape', width: b.w, height: b.h, rx: 2, fill: o.color || '#fef08a' }));
    const px = 16;
    const lines = wrapText(o.text, b.w - 20, px, Math.max(1, Math.floor((b.h - 16) / (px * 1.3))));
    el.append(textBlock(lines, 10, 8, px, { anchor: 'start', valign: 'top' }));
  }

  draw_goal(el, o) {
    const b = bounds(o) || { x: -600, y: (o.rank || 0) * 140, ...DEFAULT_SIZE.goal };
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape goal-shape', width: b.w, height: b.h, rx: 8 }));
    let x = 12;
    if (o.rank !== undefined) {
      el.append(s('circle', { class: 'goal-rank', cx: 26, cy: 26, r: 16 }), textBlock([String(o.rank)], 26, 26, 15, { weight: 700, cls: 'goal-rank-text' }));
      x = 52;
    }
    const title = wrapText(o.title || t('label.untitled'), b.w - x - 12, 17, 2, 700);
    el.append(textBlock(title, x, 8, 17, { anchor: 'start', valign: 'top', weight: 700 }));
    const rest = [];
    if (o.description) rest.push(o.description);
    if (o.target) rest.push(`${t('goal.target')}: ${o.target}`);
    if (o.indicator) rest.push(`${t('goal.indicator')}: ${o.indicator}`);
    if (o.owner) rest.push(`${t('goal.owner')}: ${o.owner}`);
    // Below the rank badge, which the details would otherwise run into.
    const top = Math.max(8 + title.length * 22 + 6, o.rank !== undefined ? 48 : 0);
    const maxLines = Math.max(0, Math.floor((b.h - top - 6) / 17));
    if (rest.length && maxLines) {
      el.append(textBlock(wrapText(rest.join('\n'), b.w - 24, 13, maxLines), 12, top - 13 + 4, 13, { anchor: 'start', valign: 'top', cls: 'obj-text goal-detail' }));
    }
  }

  draw_frame(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape frame-shape', width: b.w, height: b.h, rx: 6 }));
    el.append(s('rect', { class: 'frame-grip', width: b.w, height: 40, rx: 6 }));
    const title = wrapText(o.title || t('label.untitledFrame'), b.w - 24, 18, 1, 700);
    el.append(textBlock(title, 12, 8, 18, { anchor: 'start', valign: 'top', weight: 700 }));
  }

  draw_link(el, o, objs) {
    const a = objs.get(o.from), z = objs.get(o.to);
    const ba = a && bounds(a, objs), bz = z && bounds(z, objs);
    if (!ba || !bz) { el.setAttribute('visibility', 'hidden'); return; }
    el.removeAttribute('visibility');
    const ca = center(ba), cz = center(bz);
    const p1 = edgePoint(a, ba, cz.x, cz.y), p2 = edgePoint(z, bz, ca.x, ca.y);
    const d = `M${p1.x},${p1.y} L${p2.x},${p2.y}`;
    const sel = this.editor.selection.has(o.id);
    el.append(
      s('path', { class: 'link-hit', d }),
      s('path', { class: `link-line${sel ? ' selected' : ''}`, d, 'marker-end': `url(#${sel ? 'arrow-sel' : 'arrow'})` }),
    );
    el._mid = { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 };
    if (o.label) {
      const w = Math.min(240, measure(o.label, 13) + 12);
      const lines = wrapText(o.label, 228, 13, 2);
      const hgt = lines.length * 17 + 6;
      el.append(
        s('rect', { class: 'link-label-bg', x: el._mid.x - w / 2, y: el._mid.y - hgt / 2, width: w, height: hgt, rx: 4 }),
        textBlock(lines, el._mid.x, el._mid.y, 13),
      );
    }
  }

  centerText(el, text, w, h, cx, cy, px) {
    if (!text) return;
    const maxLines = Math.max(1, Math.floor(h / (px * 1.3)));
    el.append(textBlock(wrapText(text, w, px, maxLines), cx, cy, px));
  }

  /** The accessible name of an object: kind, text, lane, votes, who edits it. */
  label(o) {
    const parts = [`${t(`kind.${o.kind === 'event' ? `event.${o.variant || 'start'}` : o.kind}`)}: ${textOf(o) || t('label.empty')}`];
    if (o.lane) {
      const lane = this.client.objects.get(o.lane);
      if (lane) parts.push(t('label.inLane', { lane: lane.title || t('label.untitledLane') }));
    }
    if (o.kind === 'link') {
      const a = this.client.objects.get(o.from), z = this.client.objects.get(o.to);
      parts[0] = t('label.link', { from: textOf(a) || t('label.empty'), to: textOf(z) || t('label.empty') }) + (o.label ? ` (${o.label})` : '');
    }
    if (o.kind === 'goal' && o.rank !== undefined) parts.push(t('label.rank', { rank: o.rank }));
    const v = this.client.votes;
    if (v && (v.kinds || []).includes(o.kind)) {
      if (v.mine && v.mine[o.id]) parts.push(t('vote.mineLabel', { n: v.mine[o.id] }));
      if (v.tallies) parts.push(t('vote.totalLabel', { n: v.tallies[o.id] || 0 }));
    }
    return parts.join('. ');
  }

  // --------------------------------------------------------------- overlay

  renderOverlay() {
    const g = this.gOverlay;
    clear(g);
    const k = this.view.s;
    const objs = this.effMap();
    const canEdit = this.client.canEdit();
    this.svg.classList.toggle('can-edit', canEdit); // lane headers can be dragged
    this.svg.classList.toggle('dragging-lane', this.gesture?.type === 'lane');
    // other people's selections and edits
    for (const p of this.client.peers.values()) {
      const who = this.client.participants.find((x) => x.id === p.participant);
      const color = colorFor(who?.administration);
      const ids = new Set(p.selection || []);
      if (p.editing) ids.add(p.editing);
      for (const id of ids) {
        const o = objs.get(id);
        const b = o && bounds(o, objs);
        if (!b) continue;
        g.append(s('rect', { class: 'peer-sel', x: b.x - 5 / k, y: b.y - 5 / k, width: b.w + 10 / k, height: b.h + 10 / k, stroke: color, 'stroke-width': 2 / k }));
      }
    }
    // votes
    const v = this.client.votes;
    if (v && (v.open || v.tallies)) {
      for (const o of objs.values()) {
        if (!(v.kinds || []).includes(o.kind)) continue;
        const b = bounds(o, objs);
        if (b) this.voteBadge(g, o, b, v, k);
      }
    }
    // selection
    const sel = this.editor.selected();
    for (const o0 of sel) {
      const o = objs.get(o0.id) || o0;
      if (o.kind === 'link') continue;
      const b = bounds(o, objs);
      if (!b) continue;
      g.append(s('rect', { class: 'sel-rect', x: b.x - 4 / k, y: b.y - 4 / k, width: b.w + 8 / k, height: b.h + 8 / k, 'stroke-width': 2 / k }));
    }
    if (sel.length === 1 && canEdit) {
      const o = objs.get(sel[0].id) || sel[0];
      const b = bounds(o, objs);
      if (b && o.kind !== 'lane' && o.kind !== 'link') {
        const hs = 12 / k;
        if (SIZED_KINDS.includes(o.kind)) {
          for (const [dir, hx, hy] of [['nw', b.x, b.y], ['ne', b.x + b.w, b.y], ['sw', b.x, b.y + b.h], ['se', b.x + b.w, b.y + b.h]]) {
            g.append(s('rect', { class: `handle handle-${dir}`, 'data-handle': dir, x: hx - hs / 2, y: hy - hs / 2, width: hs, height: hs, 'stroke-width': 1.5 / k }));
          }
        }
        if (o.kind !== 'frame') {
          const cx = b.x + b.w + 22 / k, cy = b.y + b.h / 2;
          g.append(s('g', { class: 'link-handle', 'data-handle': 'link' },
            s('circle', { cx, cy, r: 10 / k, 'stroke-width': 2 / k }),
            s('path', { d: `M${cx - 5 / k},${cy} H${cx + 5 / k} M${cx + 1 / k},${cy - 4 / k} L${cx + 5 / k},${cy} L${cx + 1 / k},${cy + 4 / k}`, 'stroke-width': 2 / k }),
            s('title', {}, t('canvas.linkHandle'))));
        }
      }
    }
    // keyboard focus ring
    if (this.focusedId) {
      const o = objs.get(this.focusedId);
      let b = o && bounds(o, objs);
      if (o && o.kind === 'link') { const el = this.els.get(o.id); if (el && el._mid) b = { x: el._mid.x - 20, y: el._mid.y - 14, w: 40, h: 28 }; }
      if (b) {
        const pad = 8 / k;
        const attrs = { x: b.x - pad, y: b.y - pad, width: b.w + 2 * pad, height: b.h + 2 * pad, rx: 4 / k };
        g.append(s('rect', { ...attrs, class: 'focus-ring-outer', 'stroke-width': 6 / k }), s('rect', { ...attrs, class: 'focus-ring', 'stroke-width': 3 / k }));
      }
    }
    // gesture feedback
    const gs = this.gesture;
    if (gs && gs.type === 'marquee' && gs.rect) {
      const r = gs.rect;
      g.append(s('rect', { class: 'marquee', x: r.x, y: r.y, width: r.w, height: r.h, 'stroke-width': 1.5 / k }));
    }
    if (gs && gs.type === 'lane' && gs.moved) {
      // The header follows the pointer; a line shows where the lane goes.
      const lane = objs.get(gs.id);
      const at = (gs.to > gs.from ? gs.to + 1 : gs.to) * LANE_HEIGHT;
      const y = gs.y0 + (gs.dy || 0);
      g.append(
        s('line', { class: 'lane-drop', x1: 0, y1: at, x2: LANE_WIDTH, y2: at, 'stroke-width': 6 / k }),
        s('rect', { class: 'lane-ghost', x: 0, y, width: LANE_HEADER, height: LANE_HEIGHT, fill: lane?.color || '#f1f5f9', 'stroke-width': 3 / k }),
        textBlock(wrapText(lane?.title || t('label.untitledLane'), LANE_HEADER - 24, 18, 8, 600), LANE_HEADER / 2, y + LANE_HEIGHT / 2, 18, { weight: 600, cls: 'obj-text lane-title' }));
    }
    if (gs && gs.type === 'link' && gs.to) {
      const o = objs.get(gs.from);
      const b = o && bounds(o, objs);
      if (b) {
        const c = center(b);
        const p = edgePoint(o, b, gs.to.x, gs.to.y);
        g.append(s('path', { class: 'link-line preview', d: `M${p.x},${p.y} L${gs.to.x},${gs.to.y}`, 'marker-end': 'url(#arrow-sel)', 'stroke-width': 2 / k }));
        void c;
      }
    }
  }

  voteBadge(g, o, b, v, k) {
    const mine = (v.mine && v.mine[o.id]) || 0;
    const total = v.tallies ? v.tallies[o.id] || 0 : null;
    const sc = Math.min(1 / k, 3);
    const x = b.x + b.w, y = b.y;
    const grp = s('g', { class: 'vote-badge', transform: `translate(${x},${y}) scale(${sc})` });
    let label = mine ? `●${mine}` : '';
    if (total !== null && (total > 0 || v.open)) label += `${label ? '  ' : ''}Σ${total}`;
    if (!label && !v.open) return;
    let left = 0;
    if (label) {
      const w = measure(label, 14, 700) + 14;
      left = -w;
      grp.append(s('rect', { class: 'vote-pill', x: -w, y: -14, width: w, height: 26, rx: 13 }), s('text', { class: 'vote-pill-text', x: -w / 2, y: -1, 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': 14, 'font-weight': 700 }, label));
    }
    if (v.open && this.client.canEdit() && this.client.me?.role !== 'observer') {
      const plus = s('g', { class: 'vote-btn', 'data-vote': '1', 'data-target': o.id, transform: `translate(${left - 18},-1)` },
        s('circle', { r: 13 }), s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': 18, 'font-weight': 700 }, '+'),
        s('title', {}, t('vote.add')));
      grp.append(plus);
      if (mine) {
        grp.append(s('g', { class: 'vote-btn minus', 'data-vote': '-1', 'data-target': o.id, transform: `translate(${left - 48},-1)` },
          s('circle', { r: 13 }), s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': 18, 'font-weight': 700 }, '−'),
          s('title', {}, t('vote.remove'))));
      }
    }
    g.append(grp);
  }

  /** Other people's cursors and "X redigerar" marks, in screen coordinates. */
  renderScreen() {
    const g = this.gScreen;
    clear(g);
    const objs = this.client.objects;
    for (const p of this.client.peers.values()) {
      const who = this.client.participants.find((x) => x.id === p.participant);
      const name = who?.name || '?';
      const color = colorFor(who?.administration);
      if (p.editing) {
        const o = objs.get(p.editing);
        const b = o && bounds(o, objs);
        if (b) {
          const sp = this.toScreen(b.x, b.y);
          const text = t('peer.editing', { name });
          const w = measure(text, 13, 600) + 12;
          g.append(s('g', { class: 'edit-mark', transform: `translate(${sp.x},${sp.y - 24})` },
            s('rect', { width: w, height: 20, rx: 4, fill: color }),
            s('text', { x: 6, y: 10, 'dominant-baseline': 'central', 'font-size': 13, 'font-weight': 600, fill: '#ffffff' }, text)));
        }
      }
      if (p.cursor && Number.isFinite(p.cursor.x) && Number.isFinite(p.cursor.y)) {
        const sp = this.toScreen(p.cursor.x, p.cursor.y);
        const w = measure(name, 13, 600) + 12;
        g.append(s('g', { class: 'cursor', transform: `translate(${sp.x},${sp.y})`, 'data-participant': p.participant },
          s('path', { d: 'M0,0 L0,18 L5,13 L9,22 L12,21 L8,12 L15,12 z', fill: color, stroke: '#ffffff', 'stroke-width': 1.5 }),
          s('rect', { x: 14, y: 16, width: w, height: 20, rx: 4, fill: color }),
          s('text', { x: 20, y: 26, 'dominant-baseline': 'central', 'font-size': 13, 'font-weight': 600, fill: '#ffffff' }, name)));
      }
    }
  }

  // ------------------------------------------------------------- pointers

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
    const objs = this.client.objects;
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

  // ------------------------------------------------------------- keyboard

  onFocusIn(e) {
    const el = e.target.closest && e.target.closest('[data-id]');
    this.focusedId = el ? el.dataset.id : null;
    if (el && !this.editor.selection.has(el.dataset.id) && !this.pointers.size) this.editor.select([el.dataset.id]);
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
    const o = this.client.objects.get(id);
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
        this.editor.select([order[j]]);
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
      this.editor.select([]);
      this.svg.focus();
      return;
    }
    if (key === ' ' && id) {
      e.preventDefault();
      this.editor.select([id], 'toggle');
      return;
    }
    if (!ctrl && (key === '+' || key === '=')) { e.preventDefault(); this.zoomBy(1.25); return; }
    if (!ctrl && (key === '-' || key === '_')) { e.preventDefault(); this.zoomBy(0.8); return; }
    if (!ctrl && key === '0') { e.preventDefault(); this.fit(); return; }
  }

  // -------------------------------------------------------------- editing

  startEdit(id) {
    const o = this.client.objects.get(id);
    if (!o) return;
    if (!this.client.canEdit()) { announce(t('announce.readOnly'), true); return; }
    if (this.editing) this.commitEdit();
    const prop = textProp(o.kind);
    this.editing = { id, prop, original: o[prop] || '' };
    this.ensureVisible(id);
    const ta = this.textarea;
    ta.value = o[prop] || '';
    ta.hidden = false;
    ta.setAttribute('aria-label', t('canvas.editLabel', { kind: t(`kind.${o.kind === 'event' ? `event.${o.variant || 'start'}` : o.kind}`) }));
    ta.maxLength = ['title', 'label'].includes(prop) ? 200 : 4000;
    this.positionEditor();
    ta.focus({ preventScroll: true });
    ta.select();
    this.client.setPresence({ editing: id });
    announce(t('announce.editing'));
  }

  positionEditor() {
    if (!this.editing) return;
    const { id } = this.editing;
    const o = this.client.objects.get(id);
    if (!o) { this.cancelEdit(); return; }
    const k = this.view.s;
    let b = bounds(o, this.client.objects);
    if (o.kind === 'lane') b = { x: 0, y: b.y, w: LANE_HEADER, h: LANE_HEIGHT };
    if (o.kind === 'event') b = { x: o.x - 90, y: o.y + EVENT_R + 2, w: 180, h: 60 };
    if (o.kind === 'link') { const el = this.els.get(id); const m = el && el._mid ? el._mid : { x: 0, y: 0 }; b = { x: m.x - 110, y: m.y - 24, w: 220, h: 48 }; }
    if (!b) b = { x: 0, y: 0, w: 200, h: 80 };
    const p = this.toScreen(b.x, b.y);
    const ta = this.textarea;
    const w = Math.max(140, b.w * k), hh = Math.max(44, b.h * k);
    ta.style.left = `${Math.round(p.x)}px`;
    ta.style.top = `${Math.round(p.y)}px`;
    ta.style.width = `${Math.round(w)}px`;
    ta.style.height = `${Math.round(hh)}px`;
    ta.style.fontSize = `${Math.max(14, Math.min(28, 16 * k))}px`;
  }

  onEditorKey(e) {
    if (e.key === 'Escape') { e.preventDefault(); this.cancelEdit(); return; }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey) { e.preventDefault(); this.commitEdit(); }
    if (e.key === 'Tab') { e.preventDefault(); this.commitEdit(); }
  }

  commitEdit() {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    const value = this.textarea.value.replace(/\r/g, '');
    this.closeEditor(ed.id);
    const o = this.client.objects.get(ed.id);
    if (o && value !== (o[ed.prop] || '')) {
      if (ed.prop === 'title' && !value.trim() && o.kind === 'lane') return;
      this.editor.setProps(ed.id, { [ed.prop]: value || (['title'].includes(ed.prop) && (o.kind === 'goal' || o.kind === 'lane') ? o[ed.prop] : value) }, 'text');
      announce(t('announce.saved'));
    }
  }

  cancelEdit() {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    this.closeEditor(ed.id);
    announce(t('announce.cancelled'));
  }

  closeEditor(id) {
    this.textarea.hidden = true;
    this.client.setPresence({ editing: null });
    if (this.els.has(id)) this.focusObject(id, false);
    else this.svg.focus();
  }
}
