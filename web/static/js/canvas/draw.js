// Drawing the board's objects into the canvas's SVG layers: one wrapper
// <g> per object, redrawn once per animation frame when it changed.
import { s, clear } from '../util.js';
import { t } from '../i18n.js';
import { bounds, center, edgePoint, laneBands, byZ, textOf, LANE_HEIGHT, LANE_WIDTH, LANE_HEADER, EVENT_R, NODE_KINDS, DEFAULT_SIZE, ACTION_STATUSES } from '../model.js';
import { measure, wrapText, fitText, textBlock } from './text.js';
import { haveRules } from '../hyphen.js';

// Text sizes in board units. At "Anpassa" a map of five lanes on a
// 1920×1080 screen shows about 0.75–1 board unit per CSS pixel, so body
// text stays at 14 CSS px or more; a shape grows to hold its whole text
// and a word too long for it shrinks the text down to the floor (MIN).
export const TEXT = { body: 20, min: 18, lane: 22, laneMin: 18, event: 18, link: 18, goalTitle: 20, goalDetail: 18, frame: 22 };
const LH = 1.3; // line height, as in textBlock

/** The layout of an object's text and the size its shape needs for it (null: as stored). */
function layoutOf(o) {
  const b = bounds(o) || (o.kind === 'goal' ? { x: -600, y: (o.rank || 0) * 140, ...DEFAULT_SIZE.goal } : null);
  if (!b) return null;
  switch (o.kind) {
    case 'step': {
      const f = o.text ? fitText(o.text, b.w - 16, TEXT.body, TEXT.min) : { lines: [], px: TEXT.body };
      return { ...f, h: Math.max(b.h, Math.ceil(f.lines.length * f.px * LH + 16)), w: b.w };
    }
    case 'note': {
      const f = o.text ? fitText(o.text, b.w - 20, TEXT.body, TEXT.min) : { lines: [], px: TEXT.body };
      return { ...f, h: Math.max(b.h, Math.ceil(f.lines.length * f.px * LH + 20)), w: b.w };
    }
    case 'decision': {
      // The text sits in the middle of the diamond (62 % × 60 %): grow both ways.
      // Growing beats shrinking: the text stays at the body size while it can.
      let w = b.w, h = b.h, f = { lines: [], px: TEXT.body };
      if (!o.text) return { ...f, w, h };
      for (let i = 0; i < 12; i++) {
        const lines = wrapText(o.text, w * 0.62, TEXT.body, Infinity);
        f = { lines, px: TEXT.body };
        if (!lines.broke && !lines.syllable && lines.length * TEXT.body * LH <= h * 0.6) return { ...f, w, h };
        w = Math.round(w * 1.08); h = Math.round(h * 1.08);
      }
      f = fitText(o.text, w * 0.62, TEXT.body, TEXT.min);
      return { ...f, w, h };
    }
    case 'goal': {
      const x = o.rank !== undefined ? 52 : 12;
      const title = fitText(o.title || t('label.untitled'), b.w - x - 12, TEXT.goalTitle, TEXT.min, 700);
      const rest = [];
      if (o.description) rest.push(o.description);
      if (o.target) rest.push(`${t('goal.target')}: ${o.target}`);
      if (o.indicator) rest.push(`${t('goal.indicator')}: ${o.indicator}`);
      if (o.owner) rest.push(`${t('goal.owner')}: ${o.owner}`);
      // top is where the details start: below the title's last line, and
      // below the rank badge, which they would otherwise run into.
      const top = Math.max(8 + title.lines.length * Math.round(title.px * LH) + 2, o.rank !== undefined ? 48 : 0);
      const detail = rest.length ? fitText(rest.join('\n'), b.w - 24, TEXT.goalDetail, 14) : { lines: [], px: TEXT.goalDetail };
      const h = Math.max(b.h, Math.ceil(top + detail.lines.length * detail.px * LH + 10));
      return { x, title, detail, top, w: b.w, h };
    }
    default: return null;
  }
}

const layouts = new WeakMap(); // object → {o: the object as shown, layout}

/** The object as shown: grown to hold its text (the same copy while it does not change). */
export function shown(o) {
  if (!o) return o;
  let c = layouts.get(o);
  if (c && c.lang === document.documentElement.lang && c.rules === haveRules()) return c.o;
  const l = layoutOf(o);
  const b = l && bounds(o);
  const g = b && (l.h > b.h || l.w > b.w) ? { ...o, w: l.w, h: l.h } : o;
  c = { o: g, layout: l, lang: document.documentElement.lang, rules: haveRules() };
  layouts.set(o, c);
  if (g !== o) layouts.set(g, c);
  return g;
}

function layout(o) { shown(o); return layouts.get(o).layout; }

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasDrawing {
  /**
   * Asks for a redraw in the next animation frame. null redraws every
   * object; anything else (the ids a change touched, or nothing) needs no
   * list: drawObject skips each object whose value is unchanged (the
   * client replaces the objects a change touches).
   */
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

  /** The objects as shown: any drag in progress applied, grown to hold their text. */
  effMap() {
    const m = new Map();
    for (const [id, o0] of this.client.objects) {
      const tr = this.transient.get(id);
      m.set(id, shown(tr ? { ...o0, ...tr } : o0));
    }
    return m;
  }

  /** One object as shown (see effMap). */
  shownObj(id) { return shown(this.eff(id)); }

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
    this.drawGoalLinks(objs);
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
      laneTitle(o.title || t('label.untitledLane'), LANE_HEADER / 2, LANE_HEIGHT / 2),
    );
  }

  draw_step(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape', width: b.w, height: b.h, rx: 10, fill: o.color || '#ffffff' }));
    const l = layout(o);
    if (l && l.lines.length) el.append(textBlock(l.lines, b.w / 2, b.h / 2, l.px));
  }

  draw_decision(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('polygon', { class: 'shape', points: `${b.w / 2},0 ${b.w},${b.h / 2} ${b.w / 2},${b.h} 0,${b.h / 2}`, fill: '#fef3c7' }));
    const l = layout(o);
    if (l && l.lines.length) el.append(textBlock(l.lines, b.w / 2, b.h / 2, l.px));
  }

  draw_event(el, o) {
    el.setAttribute('transform', `translate(${o.x},${o.y})`);
    const end = o.variant === 'end';
    el.append(s('circle', { class: `shape ${end ? 'event-end' : 'event-start'}`, r: EVENT_R }));
    if (o.text) {
      const f = fitText(o.text, 180, TEXT.event, 14);
      el.append(textBlock(f.lines, 0, EVENT_R + 4, f.px, { valign: 'top' }));
    }
  }

  draw_note(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape note-shape', width: b.w, height: b.h, rx: 2, fill: o.color || '#fef08a' }));
    const l = layout(o);
    if (l && l.lines.length) el.append(textBlock(l.lines, 10, 8, l.px, { anchor: 'start', valign: 'top' }));
  }

  draw_goal(el, o) {
    const b = bounds(o) || { x: -600, y: (o.rank || 0) * 140, ...DEFAULT_SIZE.goal };
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape goal-shape', width: b.w, height: b.h, rx: 8 }));
    const l = layout(o);
    if (o.rank !== undefined) {
      el.append(s('circle', { class: 'goal-rank', cx: 26, cy: 26, r: 16 }), textBlock([String(o.rank)], 26, 26, 15, { weight: 700, cls: 'goal-rank-text' }));
    }
    el.append(textBlock(l.title.lines, l.x, 8, l.title.px, { anchor: 'start', valign: 'top', weight: 700 }));
    if (l.detail.lines.length) {
      el.append(textBlock(l.detail.lines, 12, l.top, l.detail.px, { anchor: 'start', valign: 'top', cls: 'obj-text goal-detail' }));
    }
  }

  draw_frame(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    el.append(s('rect', { class: 'shape frame-shape', width: b.w, height: b.h, rx: 6 }));
    el.append(s('rect', { class: 'frame-grip', width: b.w, height: 40, rx: 6 }));
    // A long title is cut on the frame (the whole of it is in its name and the properties).
    const title = wrapText(o.title || t('label.untitledFrame'), b.w - 24, TEXT.frame, 1, 700);
    el.append(textBlock(title, 12, 8, TEXT.frame, { anchor: 'start', valign: 'top', weight: 700 }));
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
      const lines = wrapText(o.label, 260, TEXT.link, Infinity);
      const w = Math.max(...lines.map((ln) => measure(ln, TEXT.link))) + 14;
      const hgt = lines.length * Math.round(TEXT.link * LH) + 8;
      el.append(
        s('rect', { class: 'link-label-bg', x: el._mid.x - w / 2, y: el._mid.y - hgt / 2, width: w, height: hgt, rx: 4 }),
        textBlock(lines, el._mid.x, el._mid.y, TEXT.link),
      );
    }
  }

  draw_action(el, o) {
    const b = bounds(o);
    el.setAttribute('transform', `translate(${b.x},${b.y})`);
    const status = ACTION_STATUSES.includes(o.status) ? o.status : 'planned';
    el.append(
      s('rect', { class: 'shape action-shape', width: b.w, height: b.h, rx: 8 }),
      s('rect', { class: 'action-bar', width: 6, height: b.h, rx: 3 }),
    );
    const px = TEXT.goalTitle, dpx = TEXT.min;
    const title = wrapText(o.title || t('label.untitled'), b.w - 30, px, 2, 700);
    el.append(textBlock(title, 16, 6, px, { anchor: 'start', valign: 'top', weight: 700 }));
    const chipH = 28;
    const who = [o.owner, o.responsible].filter(Boolean).join(' · ');
    const top = 6 + title.length * Math.round(px * 1.3) + 2;
    const room = Math.max(0, Math.floor((b.h - top - chipH - 10) / Math.round(dpx * 1.3)));
    if (who && room) el.append(textBlock(wrapText(who, b.w - 30, dpx, room), 16, top, dpx, { anchor: 'start', valign: 'top', cls: 'obj-text goal-detail' }));
    const label = t(`action.status.${status}`);
    const cw = measure(label, dpx, 600) + 20;
    const cy = b.h - chipH - 6;
    el.append(
      s('rect', { class: `status-chip-shape status-${status}`, x: 16, y: cy, width: cw, height: chipH, rx: chipH / 2 }),
      textBlock([label], 16 + cw / 2, cy + chipH / 2, dpx, { weight: 600, cls: `obj-text status-chip-text status-${status}` }),
    );
    if (o.due) el.append(textBlock([o.due], b.w - 12, cy + chipH / 2, dpx, { anchor: 'end', cls: 'obj-text goal-detail' }));
  }

  /** Dashed lines from each action to its goal area, under the nodes. */
  drawGoalLinks(objs) {
    if (!this.goalLinks) this.goalLinks = new Map();
    const seen = new Set();
    for (const o of objs.values()) {
      if (o.kind !== 'action' || !o.goal) continue;
      const g = objs.get(o.goal);
      const ba = bounds(o), bg = g && bounds(g);
      if (!ba || !bg) continue;
      const ca = center(ba), cg = center(bg);
      const p1 = edgePoint(o, ba, cg.x, cg.y), p2 = edgePoint(g, bg, ca.x, ca.y);
      let el = this.goalLinks.get(o.id);
      if (!el) {
        el = s('path', { class: 'goal-link', 'aria-hidden': 'true' });
        this.goalLinks.set(o.id, el);
      }
      if (el.parentNode !== this.gLinks) this.gLinks.prepend(el);
      el.setAttribute('d', `M${p1.x},${p1.y} L${p2.x},${p2.y}`);
      seen.add(o.id);
    }
    for (const [id, el] of this.goalLinks) if (!seen.has(id)) { el.remove(); this.goalLinks.delete(id); }
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
    if (o.privateTo) parts.push(t('private.badgeLabel'));
    if (o.kind === 'action') {
      parts.push(t(`action.status.${o.status || 'planned'}`));
      const g = o.goal && this.client.objects.get(o.goal);
      if (g) parts.push(`${t('action.goal')}: ${g.title || t('label.untitled')}`);
      if (o.owner) parts.push(`${t('action.owner')}: ${o.owner}`);
      if (o.due) parts.push(`${t('action.due')}: ${o.due}`);
    }
    const v = this.client.votes;
    if (v && (v.kinds || []).includes(o.kind)) {
      if (v.mine && v.mine[o.id]) parts.push(t('vote.mineLabel', { n: v.mine[o.id] }));
      if (v.tallies) parts.push(t('vote.totalLabel', { n: v.tallies[o.id] || 0 }));
    }
    return parts.join('. ');
  }
}

/** A lane's title in its header column: as large as fits, hyphenated the Swedish way. */
export function laneTitle(title, cx, cy) {
  const width = LANE_HEADER - 20;
  let px = TEXT.lane;
  let lines = wrapText(title, width, px, Infinity, 600);
  while (px > TEXT.laneMin && (lines.broke || lines.syllable || lines.length * px * LH > LANE_HEIGHT - 16)) {
    px -= 1;
    lines = wrapText(title, width, px, Infinity, 600);
  }
  const max = Math.max(1, Math.floor((LANE_HEIGHT - 16) / (px * LH)));
  if (lines.length > max) lines = wrapText(title, width, px, max, 600);
  return textBlock(lines, cx, cy, px, { weight: 600, cls: 'obj-text lane-title' });
}
