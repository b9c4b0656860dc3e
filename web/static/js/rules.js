// The browser's copies of the server's settings and vote rules, for the
// optimistic view: a facilitator's change or a dot shows at once, and the
// server's settings or votes message of the same seq brings the truth.
// board/testdata/vectors holds the cases they are checked on against the
// server (web/test/vectors.test.mjs, board/vectors_test.go); applyOp, the
// rule for objects, lives in model.js.

function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }

// The settings fields that are objects of their own, and what the server
// starts from when a patch names one that is null (Go's zero values).
const SETTINGS_PARTS = { timer: null, voting: null, focus: { x: 0, y: 0, zoom: 0, at: 0 }, follow: { participant: '' } };
// The only settings a null clears, by the part they are in; a null
// anywhere else leaves the field as it was (the server decodes a patch into
// its settings, and null is no value for a string, a number or a flag).
const NULLABLE = { '': ['focus', 'follow'], timer: ['endsAt'], voting: ['kinds'] };

function mergeFields(base, patch, path) {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined) {
      if ((NULLABLE[path] || []).includes(k)) out[k] = null;
    } else if (!path && k in SETTINGS_PARTS && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = mergeFields(out[k] || SETTINGS_PARTS[k] || {}, v, k);
    } else {
      out[k] = clone(v);
    }
  }
  return out;
}

/**
 * Merges a partial settings object as the server does (board.PrepareSettings;
 * board/testdata/vectors/settings.json holds the cases both are checked on):
 * objects field by field, null only where a field may be empty, a timer
 * started at the server's now, a summon stamped with it.
 */
export function mergeSettings(base, patch, serverNow) {
  const s = mergeFields(clone(base), patch || {}, '');
  if (s.timer) {
    if (s.timer.start) s.timer.endsAt = serverNow + (s.timer.seconds || 0) * 1000;
    delete s.timer.start;
  }
  if (patch && patch.focus) s.focus.at = serverNow;
  // A vote opens hidden unless told otherwise, and "clear" is an action,
  // not a setting.
  const pv = patch && patch.voting;
  if (pv && s.voting && s.voting.open && !(base.voting && base.voting.open) && !('hidden' in pv)) s.voting.hidden = true;
  if (s.voting) delete s.voting.clear;
  return s;
}

/**
 * A votes view with one dot placed (+1) or taken back (-1) by this client,
 * as the server's next view will show it (board.PrepareVote and VotesFor;
 * board/testdata/vectors/votes.json holds the cases both are checked on).
 * A dot the server would refuse changes nothing. In an anonymous vote a
 * count by position is shown only for three voters or more, which the
 * client cannot count: it changes a count that is shown and adds none.
 */
export function addVote(base, target, delta, position, anonymous = false) {
  const mine = (base.mine && base.mine[target]) || 0;
  if (!base.open || (delta !== 1 && delta !== -1) || (delta === 1 && !(base.dotsLeft > 0)) || (delta === -1 && !mine)) return base;
  const v = clone(base);
  const used = Object.values(v.mine || {}).reduce((a, n) => a + n, 0);
  v.mine = v.mine || {};
  bump(v.mine, target, delta);
  v.dotsLeft = Math.max(0, (v.dotsLeft || 0) - delta);
  if (v.tallies) bump(v.tallies, target, delta);
  const pos = position || 'other';
  if (v.byPosition && (!anonymous || (v.byPosition[target] && pos in v.byPosition[target]))) {
    const bp = v.byPosition[target] || (v.byPosition[target] = {});
    bump(bp, pos, delta);
    if (!Object.keys(bp).length) delete v.byPosition[target];
  }
  // The facilitator's count of voters: those with at least one dot.
  if (typeof v.voters === 'number') {
    if (delta === 1 && used === 0) v.voters++;
    if (delta === -1 && used === 1) v.voters--;
  }
  return v;
}

// bump adds delta to m[k]; a count that falls to zero is left out, as the
// server leaves it out.
function bump(m, k, delta) {
  const n = (m[k] || 0) + delta;
  if (n > 0) m[k] = n; else delete m[k];
}
