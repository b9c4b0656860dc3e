// Board model shared by the editor, the outline and the realtime client:
// applying ops to a replica (with the server's cascades), fractional indexes
// for stacking order, lane geometry and object shapes.

export const LANE_HEIGHT = 200; // board.LaneHeight
export const LANE_WIDTH = 2400; // board.LaneWidth
export const LANE_HEADER = 180; // the title column at the left of a lane band

export const SERVER_FIELDS = ['id', 'kind', 'createdBy', 'createdAt', 'updatedAt', 'privateTo'];
export const NODE_KINDS = ['step', 'decision', 'event', 'note', 'goal', 'action'];
export const LANED_KINDS = ['step', 'decision', 'event'];
export const SIZED_KINDS = ['step', 'decision', 'note', 'goal', 'frame', 'action'];
export const ACTION_STATUSES = ['planned', 'ongoing', 'done'];

export const DEFAULT_SIZE = {
  step: { w: 200, h: 100 }, decision: { w: 200, h: 130 }, note: { w: 200, h: 150 },
  goal: { w: 360, h: 120 }, frame: { w: 400, h: 340 }, action: { w: 360, h: 150 },
};
export const EVENT_R = 30;

export const NOTE_COLORS = ['#fef08a', '#bbf7d0', '#bfdbfe', '#fbcfe8', '#fed7aa', '#e9d5ff'];
export const LANE_COLORS = ['#dbeafe', '#dcfce7', '#fef9c3', '#fce7f3', '#e0e7ff', '#ffedd5'];
export const STEP_COLORS = ['#ffffff', '#dbeafe', '#dcfce7', '#fef9c3', '#fee2e2'];

/** The props of an object (everything but the server-kept fields). */
export function propsOf(o) {
  const p = {};
  for (const [k, v] of Object.entries(o)) if (!SERVER_FIELDS.includes(k)) p[k] = v;
  return p;
}

/** Ids touched by op against objects, cascades included (links to a deleted object, objects in a deleted lane). */
export function touchedIds(objects, op) {
  const ids = [op.id];
  if (op.op === 'delete') {
    for (const o of objects.values()) {
      if (o.id === op.id) continue;
      if ((o.kind === 'link' && (o.from === op.id || o.to === op.id)) || o.lane === op.id || o.goal === op.id) ids.push(o.id);
    }
  }
  return ids;
}

/**
 * Applies one op to a Map of objects, as every replica does. Objects are
 * replaced, never mutated, so a renderer can compare references. A delete
 * also performs the server's cascade (which the server spells out in its
 * normalized ops anyway, so applying those literally gives the same result).
 */
export function applyOp(objects, op, author = '', at = 0) {
  switch (op.op) {
    case 'create': {
      const o = { id: op.id, kind: op.kind };
      for (const [k, v] of Object.entries(op.props || {})) if (v !== null && v !== undefined) o[k] = stored(k, v);
      o.createdBy = author; o.createdAt = at; o.updatedAt = at;
      // A private round's note (docs/protocol.md): the server marks it.
      if (op.privateTo) o.privateTo = op.privateTo;
      objects.set(op.id, o);
      break;
    }
    case 'update': {
      const cur = objects.get(op.id);
      if (!cur) return;
      const o = { ...cur };
      for (const [k, v] of Object.entries(op.props || {})) {
        if (SERVER_FIELDS.includes(k)) continue;
        if (v === null || v === undefined) delete o[k]; else o[k] = stored(k, v);
      }
      o.updatedAt = at;
      objects.set(op.id, o);
      break;
    }
    case 'delete': {
      if (!objects.has(op.id)) return;
      for (const o of [...objects.values()]) {
        if (o.id === op.id) continue;
        // The server spells the cascade out as ops of its own: a link
        // deleted, a lane or goal unset by an update (which moves updatedAt).
        if (o.kind === 'link' && (o.from === op.id || o.to === op.id)) objects.delete(o.id);
        else if (o.lane === op.id) { const c = { ...o, updatedAt: at }; delete c.lane; objects.set(o.id, c); }
        else if (o.goal === op.id) { const c = { ...o, updatedAt: at }; delete c.goal; objects.set(o.id, c); }
      }
      objects.delete(op.id);
      break;
    }
    default:
  }
}

// stored is a prop's value as the server keeps it: colours in lower case.
function stored(k, v) {
  return k === 'color' && typeof v === 'string' ? v.toLowerCase() : v;
}

export function applyOps(objects, ops, author, at) {
  for (const op of ops) applyOp(objects, op, author, at);
}

// ---- Fractional indexes: strings of [0-9A-Za-z], compared as plain strings.

export const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function midpoint(a, b) {
  // a < b as fractions 0.a and 0.b; b === null means 1. Results never end in '0'.
  if (b !== null) {
    let n = 0;
    while ((a[n] || '0') === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a ? DIGITS.indexOf(a[0]) : 0;
  const db = b !== null ? DIGITS.indexOf(b[0]) : DIGITS.length;
  if (db - da > 1) return DIGITS[Math.round((da + db) / 2)];
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return DIGITS[da] + midpoint(a.slice(1), null);
}

/** A key strictly between a and b (either may be null/undefined for open ends). */
export function keyBetween(a, b) {
  a = a || '';
  b = b || null;
  if (b !== null && a >= b) {
    // Broken order (e.g. equal keys from two people): go just above a.
    return midpoint(a, null);
  }
  let k = midpoint(a, b);
  if (k.length > 64) k = k.slice(0, 64);
  return k;
}

export function validZ(z) { return typeof z === 'string' && /^[0-9A-Za-z]{1,64}$/.test(z); }

/** Stacking comparator: z (missing is lowest), then creation time, then id. */
export function byZ(a, b) {
  const za = a.z || '', zb = b.z || '';
  if (za !== zb) return za < zb ? -1 : 1;
  if ((a.createdAt || 0) !== (b.createdAt || 0)) return (a.createdAt || 0) - (b.createdAt || 0);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The z above every object in list. */
export function zTop(list) {
  let max = '';
  for (const o of list) if ((o.z || '') > max) max = o.z;
  return keyBetween(max, null);
}

/** The z below every object in list. */
export function zBottom(list) {
  let min = null;
  for (const o of list) if (o.z && (min === null || o.z < min)) min = o.z;
  return keyBetween('', min);
}

// ---- Lanes

/** Lanes sorted by order (then id), each with its band: {lane, index, y0, y1}. */
export function laneBands(objects) {
  const lanes = [...objects.values()].filter((o) => o.kind === 'lane');
  lanes.sort((a, b) => ((a.order ?? 0) - (b.order ?? 0)) || (a.id < b.id ? -1 : 1));
  return lanes.map((lane, index) => ({ lane, index, y0: index * LANE_HEIGHT, y1: (index + 1) * LANE_HEIGHT }));
}

/** The lane band containing the point, or null. */
export function laneAt(bands, x, y) {
  if (x < 0 || x > LANE_WIDTH) return null;
  return bands.find((b) => y >= b.y0 && y < b.y1) || null;
}

// ---- Geometry

/** The bounding box {x, y, w, h} of a positioned object, or null. */
export function bounds(o, objects) {
  switch (o.kind) {
    case 'event': return { x: (o.x ?? 0) - EVENT_R, y: (o.y ?? 0) - EVENT_R, w: EVENT_R * 2, h: EVENT_R * 2 };
    case 'lane': {
      if (!objects) return null;
      const b = laneBands(objects).find((x) => x.lane.id === o.id);
      return b ? { x: 0, y: b.y0, w: LANE_WIDTH, h: LANE_HEIGHT } : null;
    }
    case 'link': return null;
    default: {
      if (o.x === undefined || o.y === undefined) return null;
      const d = DEFAULT_SIZE[o.kind] || { w: 100, h: 60 };
      return { x: o.x, y: o.y, w: o.w ?? d.w, h: o.h ?? d.h };
    }
  }
}

export function center(b) { return { x: b.x + b.w / 2, y: b.y + b.h / 2 }; }

/** Where the ray from the object's center towards (tx, ty) leaves its outline. */
export function edgePoint(o, b, tx, ty) {
  const c = center(b);
  const dx = tx - c.x, dy = ty - c.y;
  if (dx === 0 && dy === 0) return c;
  let k;
  if (o.kind === 'event') k = EVENT_R / Math.hypot(dx, dy);
  else if (o.kind === 'decision') k = 1 / (Math.abs(dx) / (b.w / 2) + Math.abs(dy) / (b.h / 2));
  else k = Math.min(Math.abs(dx) > 0 ? (b.w / 2) / Math.abs(dx) : Infinity, Math.abs(dy) > 0 ? (b.h / 2) / Math.abs(dy) : Infinity);
  return { x: c.x + dx * k, y: c.y + dy * k };
}

export function intersects(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The text shown for an object (text, title or label). */
export function textOf(o) {
  if (!o) return '';
  return o.text ?? o.title ?? o.label ?? '';
}

/** Which prop holds an object's main text. */
export function textProp(kind) {
  return { lane: 'title', goal: 'title', frame: 'title', action: 'title', link: 'label' }[kind] || 'text';
}
