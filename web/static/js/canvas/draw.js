// Drawing the board's objects into the canvas's SVG layers: one wrapper
// <g> per object, redrawn once per animation frame when it changed.
import { s, clear } from '../util.js';
import { t } from '../i18n.js';
import { bounds, center, edgePoint, laneBands, byZ, textOf, LANE_HEIGHT, LANE_WIDTH, LANE_HEADER, EVENT_R, NODE_KINDS, DEFAULT_SIZE } from '../model.js';
import { measure, wrapText, textBlock } from './text.js';

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasDrawing {
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
}
