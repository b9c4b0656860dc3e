// What the canvas draws over the objects: other people's selections,
// vote badges, the selection with its handles, the focus ring, gesture
// feedback, and (in screen coordinates) other people's cursors.
import { s, clear, colorFor } from '../util.js';
import { t } from '../i18n.js';
import { bounds, center, edgePoint, LANE_HEIGHT, LANE_WIDTH, LANE_HEADER, SIZED_KINDS } from '../model.js';
import { measure } from './text.js';
import { laneTitle } from './draw.js';

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasOverlay {
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
      // On a large board a name may be missing: participant() asks for it.
      const who = this.client.participant(p.participant);
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
        // A private note cannot be voted on until it is shown.
        if (!(v.kinds || []).includes(o.kind) || o.privateTo) continue;
        const b = bounds(o, objs);
        if (b) this.voteBadge(g, o, b, v, k);
      }
    }
    // a private round's notes: a tag beside each, for its author and the facilitators
    for (const o of objs.values()) {
      if (!o.privateTo) continue;
      const b = bounds(o, objs);
      if (b) this.privateTag(g, b, k);
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
        laneTitle(lane?.title || t('label.untitledLane'), LANE_HEADER / 2, y + LANE_HEIGHT / 2));
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

  /**
   * The votes of an object, in words ("Dina röster: 2 · Totalt: 5"), with
   * + and − to place and take back a dot: just below the object, beside
   * its text rather than over it, at a constant size on the screen.
   */
  voteBadge(g, o, b, v, k) {
    const mine = (v.mine && v.mine[o.id]) || 0;
    const total = v.tallies ? v.tallies[o.id] || 0 : null;
    const voting = v.open && this.client.canEdit() && this.client.me?.role !== 'observer';
    let label = '';
    if (total !== null && (mine || voting)) label = t('vote.status', { mine, total });
    else if (total !== null) label = total > 0 ? t('vote.statusTotal', { total }) : '';
    else if (mine || voting) label = t('vote.statusMine', { mine });
    if (!label && !voting) return;
    const sc = Math.min(1 / k, 3);
    const grp = s('g', { class: 'vote-badge', transform: `translate(${b.x},${b.y + b.h + 6 * sc}) scale(${sc})` });
    let x = 0;
    if (label) {
      const w = measure(label, 14, 700) + 16;
      grp.append(s('rect', { class: 'vote-pill', x: 0, y: 0, width: w, height: 26, rx: 13 }),
        s('text', { class: 'vote-pill-text', x: w / 2, y: 13, 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': 14, 'font-weight': 700 }, label));
      x = w + 4;
    }
    if (voting) {
      const none = (v.dotsLeft ?? 0) <= 0;
      grp.append(s('g', { class: `vote-btn${none ? ' none-left' : ''}`, 'data-vote': '1', 'data-target': o.id, transform: `translate(${x + 14},13)` },
        s('circle', { r: 13 }), s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': 18, 'font-weight': 700 }, '+'),
        s('title', {}, none ? t('vote.noneLeft') : t('vote.add'))));
      if (mine) {
        grp.append(s('g', { class: 'vote-btn minus', 'data-vote': '-1', 'data-target': o.id, transform: `translate(${x + 44},13)` },
          s('circle', { r: 13 }), s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': 18, 'font-weight': 700 }, '−'),
          s('title', {}, t('vote.remove'))));
      }
    }
    g.append(grp);
  }

  /** "Privat" above a private note's top edge, at a constant size on the screen. */
  privateTag(g, b, k) {
    const sc = Math.min(1 / k, 3);
    const label = t('private.badge');
    const w = measure(label, 13, 700) + 14;
    g.append(s('g', { class: 'private-tag', transform: `translate(${b.x},${b.y - 30 * sc}) scale(${sc})` },
      s('rect', { x: 0, y: 0, width: w, height: 20, rx: 4 }),
      s('text', { x: 7, y: 10, 'dominant-baseline': 'central', 'font-size': 13, 'font-weight': 700 }, label)));
  }

  /** Other people's cursors and "X redigerar" marks, in screen coordinates. */
  renderScreen() {
    const g = this.gScreen;
    clear(g);
    const objs = this.client.objects;
    for (const p of this.client.peers.values()) {
      const who = this.client.participant(p.participant);
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
}
