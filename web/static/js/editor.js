// Editor: selection, commands (create, move, delete, duplicate, copy/paste,
// stacking order) and undo/redo of this user's own changes. Undo computes
// ops against the current state: only the props this user changed are
// reverted, and only where nobody has changed them since, so others' later
// edits are kept.
import {
  applyOp, propsOf, laneBands, laneAt, bounds, center, zTop, zBottom, keyBetween, byZ,
  DEFAULT_SIZE, NOTE_COLORS, LANE_COLORS, LANED_KINDS, SIZED_KINDS, NODE_KINDS, LANE_HEIGHT, LANE_WIDTH, LANE_HEADER, textProp,
} from './model.js';
import { uuid, store } from './util.js';

const MAX_UNDO = 200;
const MAX_ORDER = 1e6; // board.MaxCoord: the largest order the server takes
const CLIP_KEY = 'processkarta.clipboard';

const REFS = ['lane', 'from', 'to'];

/**
 * Ops that take the objects in `from` (id → object|null) to their state in
 * `to`, applied only where the current state still matches `from`.
 */
export function transitionOps(from, to, current) {
  const creates = [], updates = [], deletes = [];
  const exists = new Set(current.keys());
  for (const [id, f] of from) {
    const tgt = to.get(id) || null;
    const cur = current.get(id) || null;
    if (!f && tgt) {
      if (cur) continue;
      creates.push(tgt);
      exists.add(id);
    } else if (f && !tgt) {
      if (cur) { deletes.push(cur); exists.delete(id); }
    } else if (f && tgt && cur) {
      const props = {};
      const keys = new Set([...Object.keys(propsOf(f)), ...Object.keys(propsOf(tgt))]);
      for (const k of keys) {
        if (f[k] === tgt[k]) continue;
        if (cur[k] !== f[k]) continue; // changed by someone since: keep theirs
        props[k] = tgt[k] === undefined ? null : tgt[k];
      }
      if (Object.keys(props).length) updates.push({ id, props });
    }
  }
  const rank = (k) => (k === 'lane' ? 0 : k === 'link' ? 2 : 1);
  creates.sort((a, b) => rank(a.kind) - rank(b.kind));
  deletes.sort((a, b) => rank(b.kind) - rank(a.kind));
  const ops = [];
  for (const o of creates) {
    const props = propsOf(o);
    for (const r of REFS) if (props[r] && !exists.has(props[r])) delete props[r];
    if (o.kind === 'link' && (!props.from || !props.to)) continue;
    ops.push({ op: 'create', id: o.id, kind: o.kind, props });
  }
  for (const u of updates) {
    for (const r of REFS) if (u.props[r] && !exists.has(u.props[r])) delete u.props[r];
    if (Object.keys(u.props).length) ops.push({ op: 'update', id: u.id, props: u.props });
  }
  // Deleting an object deletes its links too: skip links that go with it.
  const gone = new Set(deletes.map((o) => o.id));
  for (const o of deletes) {
    if (o.kind === 'link' && (gone.has(o.from) || gone.has(o.to))) continue;
    ops.push({ op: 'delete', id: o.id });
  }
  return ops;
}

export class Editor extends EventTarget {
  constructor(client) {
    super();
    this.client = client;
    this.selection = new Set();
    this.undoStack = [];
    this.redoStack = [];
    this.clipboard = null;
    client.addEventListener('change', () => {
      let gone = false;
      for (const id of this.selection) if (!client.objects.has(id)) { this.selection.delete(id); gone = true; }
      if (gone) this.emit('selection');
    });
  }

  get objects() { return this.client.objects; }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  // ------------------------------------------------------------ selection

  select(ids, mode = 'set') {
    if (mode === 'set') this.selection = new Set(ids);
    else if (mode === 'add') for (const id of ids) this.selection.add(id);
    else if (mode === 'toggle') for (const id of ids) { if (this.selection.has(id)) this.selection.delete(id); else this.selection.add(id); }
    this.client.setPresence({ selection: [...this.selection] });
    this.emit('selection');
  }

  selected() { return [...this.selection].map((id) => this.objects.get(id)).filter(Boolean); }

  // --------------------------------------------------------------- commits

  /** Applies ops as one batch and records it for undo. Returns the diff or null. */
  commit(ops, label = '') {
    if (!ops.length) return null;
    const diff = this.client.submitOps(ops);
    if (!diff) return null;
    this.undoStack.push({ ...diff, label });
    if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
    this.redoStack = [];
    this.emit('history');
    return diff;
  }

  canUndo() { return this.undoStack.length > 0; }
  canRedo() { return this.redoStack.length > 0; }

  undo() { return this.step(this.undoStack, this.redoStack, 'after', 'before'); }
  redo() { return this.step(this.redoStack, this.undoStack, 'before', 'after'); }

  step(fromStack, toStack, a, b) {
    while (fromStack.length) {
      const e = fromStack.pop();
      const ops = transitionOps(e[a], e[b], this.objects);
      if (!ops.length) continue; // nothing of it is left to change
      const diff = this.client.submitOps(ops);
      if (!diff) { fromStack.push(e); return false; }
      toStack.push(e);
      this.emit('history');
      return e.label || true;
    }
    this.emit('history');
    return false;
  }

  // -------------------------------------------------------------- creating

  /** Props for a new object of kind centred at (x, y). */
  newProps(kind, x, y, extra = {}) {
    const all = [...this.objects.values()];
    const p = {};
    if (kind === 'lane') {
      const bands = laneBands(this.objects);
      const last = bands[bands.length - 1];
      p.title = extra.title ?? '';
      p.order = last ? (last.lane.order ?? last.index) + 1 : 0;
      p.color = LANE_COLORS[bands.length % LANE_COLORS.length];
      return { ...p, ...extra };
    }
    if (kind === 'event') {
      p.x = Math.round(x); p.y = Math.round(y);
      p.variant = extra.variant || 'start';
      p.text = '';
    } else {
      const d = DEFAULT_SIZE[kind];
      p.x = Math.round(x - d.w / 2); p.y = Math.round(y - d.h / 2); p.w = d.w; p.h = d.h;
      if (kind === 'frame' || kind === 'goal' || kind === 'action') p.title = ''; else p.text = '';
      if (kind === 'action') p.status = 'planned';
      if (kind === 'note') p.color = NOTE_COLORS[0];
    }
    if (kind === 'goal') {
      const ranks = all.filter((o) => o.kind === 'goal').map((o) => o.rank || 0);
      p.rank = (ranks.length ? Math.max(...ranks) : 0) + 1;
    }
    p.z = kind === 'frame' ? zBottom(all.filter((o) => o.kind === 'frame')) : zTop(all.filter((o) => NODE_KINDS.includes(o.kind)));
    Object.assign(p, extra);
    if (LANED_KINDS.includes(kind)) {
      const c = kind === 'event' ? { x: p.x, y: p.y } : { x: p.x + p.w / 2, y: p.y + p.h / 2 };
      const band = laneAt(laneBands(this.objects), c.x, c.y);
      if (band) p.lane = band.lane.id;
    }
    return p;
  }

  create(kind, x, y, extra = {}) {
    const id = uuid();
    const props = this.newProps(kind, x, y, extra);
    if (!this.commit([{ op: 'create', id, kind, props }], 'create')) return null;
    this.select([id]);
    return id;
  }

  link(from, to, label = '') {
    if (!from || !to || from === to) return null;
    const id = uuid();
    const props = { from, to };
    if (label) props.label = label;
    if (!this.commit([{ op: 'create', id, kind: 'link', props }], 'link')) return null;
    return id;
  }

  setProps(id, props, label = 'edit') {
    const o = this.objects.get(id);
    if (!o) return null;
    const changed = {};
    for (const [k, v] of Object.entries(props)) if (o[k] !== v && !(v === null && o[k] === undefined)) changed[k] = v;
    if (!Object.keys(changed).length) return null;
    return this.commit([{ op: 'update', id, props: changed }], label);
  }

  setText(id, text) {
    const o = this.objects.get(id);
    if (!o) return null;
    return this.setProps(id, { [textProp(o.kind)]: text }, 'text');
  }

  // ---------------------------------------------------------------- moving

  /** Objects that move with a frame: those lying wholly inside it. */
  contained(frame) {
    const fb = bounds(frame);
    const out = [];
    for (const o of this.objects.values()) {
      if (o.id === frame.id || o.kind === 'lane' || o.kind === 'link' || o.kind === 'frame') continue;
      const b = bounds(o);
      if (b && b.x >= fb.x && b.y >= fb.y && b.x + b.w <= fb.x + fb.w && b.y + b.h <= fb.y + fb.h) out.push(o);
    }
    return out;
  }

  /** The ids that move when ids are dragged (frames bring their contents). */
  moveSet(ids) {
    const set = new Set();
    for (const id of ids) {
      const o = this.objects.get(id);
      if (!o || o.kind === 'lane' || o.kind === 'link' || !bounds(o)) continue;
      set.add(id);
      if (o.kind === 'frame') for (const c of this.contained(o)) set.add(c.id);
    }
    return set;
  }

  /** Update ops moving ids by (dx, dy), with lane membership recomputed. */
  moveOps(ids, dx, dy) {
    const bands = laneBands(this.objects);
    const ops = [];
    const push = headerPush(bands, [...ids].map((id) => this.objects.get(id)).filter(Boolean), dx, dy);
    if (push > 0) { dx += push; this.emit('refused', { reason: 'laneHeader' }); }
    for (const id of ids) {
      const o = this.objects.get(id);
      if (!o) continue;
      const props = { x: Math.round(o.x + dx), y: Math.round(o.y + dy) };
      if (LANED_KINDS.includes(o.kind)) {
        const c = center(bounds({ ...o, ...props }));
        const band = laneAt(bands, c.x, c.y);
        const lane = band ? band.lane.id : undefined;
        if (lane !== o.lane) props.lane = lane ?? null;
      }
      ops.push({ op: 'update', id, props });
    }
    return ops;
  }

  moveBy(ids, dx, dy) {
    if (!dx && !dy) return null;
    return this.commit(this.moveOps(this.moveSet(ids), dx, dy), 'move');
  }

  resize(id, box) {
    const o = this.objects.get(id);
    if (!o) return null;
    const props = { x: Math.round(box.x), y: Math.round(box.y), w: Math.max(20, Math.round(box.w)), h: Math.max(20, Math.round(box.h)) };
    if (LANED_KINDS.includes(o.kind)) {
      const band = laneAt(laneBands(this.objects), props.x + props.w / 2, props.y + props.h / 2);
      const lane = band ? band.lane.id : undefined;
      if (lane !== o.lane) props.lane = lane ?? null;
    }
    return this.setProps(id, props, 'resize');
  }

  /** Moves a lane one place up (dir -1) or down (+1), with the objects in the lanes it passes. */
  moveLane(id, dir) {
    const bands = laneBands(this.objects);
    const i = bands.findIndex((b) => b.lane.id === id);
    if (i < 0 || i + dir < 0 || i + dir >= bands.length) return null;
    return this.moveLaneTo(id, i + dir);
  }

  /**
   * Moves a lane to place `to` (0 is the top) as one batch: the lane gets
   * an order between its new neighbours' (or, where there is none to be
   * had, every lane is numbered 0, 1, 2, … again), and the objects in the
   * lanes whose band moves move with it, keeping their lane.
   */
  moveLaneTo(id, to) {
    const bands = laneBands(this.objects);
    const from = bands.findIndex((b) => b.lane.id === id);
    if (from < 0) return null;
    to = Math.max(0, Math.min(bands.length - 1, Math.round(to)));
    if (to === from) return null;
    const lanes = bands.map((b) => b.lane);
    const [lane] = lanes.splice(from, 1);
    lanes.splice(to, 0, lane);
    const want = lanes.map((l) => l.id).join();
    const ord = (l) => l.order ?? 0;
    const prev = lanes[to - 1], next = lanes[to + 1];
    let order = null;
    if (prev && next) order = (ord(prev) + ord(next)) / 2;
    else if (prev) order = Math.floor(ord(prev)) + 1;
    else if (next) order = Math.ceil(ord(next)) - 1;
    let ops = [];
    const sim = new Map(this.objects);
    if (order !== null && Number.isFinite(order) && Math.abs(order) <= MAX_ORDER) {
      ops.push({ op: 'update', id, props: { order } });
      applyOp(sim, ops[0]);
    }
    // Equal orders (or no room left between them) cannot place the lane
    // there; renumber them all.
    if (laneBands(sim).map((b) => b.lane.id).join() !== want) {
      ops = [];
      lanes.forEach((l, i) => { if (l.order !== i) ops.push({ op: 'update', id: l.id, props: { order: i } }); });
    }
    const place = new Map(lanes.map((l, i) => [l.id, i]));
    const dy = new Map();
    bands.forEach((b) => { if (place.get(b.lane.id) !== b.index) dy.set(b.lane.id, (place.get(b.lane.id) - b.index) * LANE_HEIGHT); });
    for (const o of this.objects.values()) {
      if (o.kind !== 'lane' && dy.has(o.lane) && o.y !== undefined) ops.push({ op: 'update', id: o.id, props: { y: o.y + dy.get(o.lane) } });
    }
    return this.commit(ops, 'lane');
  }

  // -------------------------------------------------------------- deleting

  deleteIds(ids) {
    const ops = [];
    const sim = new Map(this.objects);
    for (const id of ids) {
      if (!sim.has(id)) continue; // gone with an earlier delete (a link of a deleted node)
      ops.push({ op: 'delete', id });
      applyOp(sim, { op: 'delete', id });
    }
    const diff = this.commit(ops, 'delete');
    if (diff) this.select([]);
    return diff;
  }

  deleteSelection() { return this.deleteIds([...this.selection]); }

  // ------------------------------------------------------ copy, paste, dup

  /** The selection plus links between selected objects, as plain objects. */
  collect(ids) {
    const set = new Set(ids);
    const out = [];
    for (const id of set) {
      const o = this.objects.get(id);
      if (o && o.kind !== 'lane') out.push(o);
    }
    for (const o of this.objects.values()) {
      if (o.kind === 'link' && set.has(o.from) && set.has(o.to) && !set.has(o.id)) out.push(o);
    }
    return out.filter((o) => o.kind !== 'link' || (set.has(o.from) && set.has(o.to)));
  }

  copy() {
    const items = this.collect(this.selection);
    if (!items.length) return 0;
    this.clipboard = items.map(propsWithKind);
    store.set(CLIP_KEY, JSON.stringify(this.clipboard));
    return items.length;
  }

  /** Pastes the clipboard (or given items) moved by (dx, dy), or centred at `at`. */
  paste(at = null, items = null, dx = 24, dy = 24) {
    if (!items) {
      try { items = JSON.parse(store.get(CLIP_KEY) || 'null'); } catch { items = null; }
      items = items || this.clipboard;
    }
    if (!Array.isArray(items) || !items.length) return 0;
    if (at) {
      const bs = items.map((o) => bounds({ kind: o.kind, ...o.props })).filter(Boolean);
      if (bs.length) {
        const minX = Math.min(...bs.map((b) => b.x)), minY = Math.min(...bs.map((b) => b.y));
        const maxX = Math.max(...bs.map((b) => b.x + b.w)), maxY = Math.max(...bs.map((b) => b.y + b.h));
        dx = at.x - (minX + maxX) / 2; dy = at.y - (minY + maxY) / 2;
      }
    }
    const idMap = new Map(items.map((o) => [o.id, uuid()]));
    const bands = laneBands(this.objects);
    // Copies keep off the lanes' header column as moved objects do.
    dx += headerPush(bands, items.map((o) => ({ kind: o.kind, ...o.props })), dx, dy);
    let z = zTop([...this.objects.values()].filter((o) => NODE_KINDS.includes(o.kind)));
    const ops = [];
    const ordered = [...items].sort((a, b) => (a.kind === 'link') - (b.kind === 'link') || byZ(a, b));
    for (const o of ordered) {
      const props = { ...o.props };
      if (o.kind === 'link') {
        props.from = idMap.get(props.from); props.to = idMap.get(props.to);
        if (!props.from || !props.to) continue;
      } else {
        if (props.x !== undefined) props.x = Math.round(props.x + dx);
        if (props.y !== undefined) props.y = Math.round(props.y + dy);
        if (o.kind !== 'frame') { props.z = z; z = keyBetween(z, null); }
        delete props.lane;
        if (LANED_KINDS.includes(o.kind)) {
          const c = center(bounds({ kind: o.kind, ...props }));
          const band = laneAt(bands, c.x, c.y);
          if (band) props.lane = band.lane.id;
        }
        if (o.kind === 'goal') delete props.rank;
      }
      ops.push({ op: 'create', id: idMap.get(o.id), kind: o.kind, props });
    }
    if (!this.commit(ops, 'paste')) return 0;
    this.select(ops.filter((op) => op.kind !== 'link').map((op) => op.id));
    return ops.length;
  }

  duplicate() {
    const items = this.collect(this.selection).map(propsWithKind);
    return this.paste(null, items);
  }

  // ------------------------------------------------------------- stacking

  toFront(ids = [...this.selection]) { return this.restack(ids, true); }
  toBack(ids = [...this.selection]) { return this.restack(ids, false); }

  restack(ids, front) {
    const objs = ids.map((id) => this.objects.get(id)).filter((o) => o && (NODE_KINDS.includes(o.kind) || o.kind === 'frame'));
    if (!objs.length) return null;
    objs.sort(byZ);
    const ops = [];
    for (const group of [objs.filter((o) => o.kind === 'frame'), objs.filter((o) => o.kind !== 'frame')]) {
      if (!group.length) continue;
      const isFrame = group[0].kind === 'frame';
      const peers = [...this.objects.values()].filter((o) => (isFrame ? o.kind === 'frame' : NODE_KINDS.includes(o.kind)) && !group.includes(o));
      const zs = [];
      if (front) {
        let z = zTop(peers);
        for (let i = 0; i < group.length; i++) { zs.push(z); z = keyBetween(z, null); }
      } else {
        // Keys below the lowest peer, keeping the group's own order.
        let z = zBottom(peers);
        for (let i = 0; i < group.length; i++) { zs.unshift(z); z = keyBetween('', z); }
      }
      group.forEach((o, i) => ops.push({ op: 'update', id: o.id, props: { z: zs[i] } }));
    }
    return this.commit(ops, 'order');
  }

  /** Sets goal ranks 1..n in the given order of ids. */
  setRanks(ids) {
    const ops = [];
    ids.forEach((id, i) => {
      const o = this.objects.get(id);
      if (o && o.rank !== i + 1) ops.push({ op: 'update', id, props: { rank: i + 1 } });
    });
    return this.commit(ops, 'rank');
  }

  /** Goals in rank order (unranked last, by title). */
  goals() {
    return [...this.objects.values()].filter((o) => o.kind === 'goal')
      .sort((a, b) => ((a.rank ?? 1e9) - (b.rank ?? 1e9)) || String(a.title).localeCompare(String(b.title)));
  }
}

/**
 * How far right objs must shift, after moving by (dx, dy), so that none
 * covers a lane's header column (which holds the lanes' titles only): 0
 * when none would. Lanes, links and frames are not held to it.
 */
function headerPush(bands, objs, dx, dy) {
  if (!bands.length) return 0;
  const bottom = bands[bands.length - 1].y1;
  let push = 0;
  for (const o of objs) {
    const b = o.kind !== 'lane' && o.kind !== 'link' && o.kind !== 'frame' && bounds({ ...o, x: (o.x ?? 0) + dx, y: (o.y ?? 0) + dy });
    if (b && b.x < LANE_HEADER && b.x + b.w > 0 && b.y < bottom && b.y + b.h > 0) push = Math.max(push, LANE_HEADER + 12 - b.x);
  }
  return push;
}

function propsWithKind(o) { return { id: o.id, kind: o.kind, props: propsOf(o), z: o.z }; }

export { SIZED_KINDS, LANE_WIDTH };
