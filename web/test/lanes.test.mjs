// Run: node --test web/test/
// Reordering lanes (dragging a lane's header on the canvas, or the buttons
// in the properties and the outline): one batch that moves the lane and the
// objects in the lanes whose band moves, which keep their lane; undo puts it
// all back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardClient } from '../static/js/realtime.js';
import { Editor } from '../static/js/editor.js';
import { laneBands, LANE_HEIGHT } from '../static/js/model.js';

class MemStore {
  constructor() { this.m = new Map(); }
  get(k) { return this.m.has(k) ? this.m.get(k) : null; }
  set(k, v) { this.m.set(k, v); return true; }
  del(k) { this.m.delete(k); }
}

class FakeWS {
  constructor() { this.sent = []; this.readyState = 1; FakeWS.last = this; }
  send(d) { const m = JSON.parse(d); if (m.type !== 'presence') this.sent.push(m); }
  close() { this.readyState = 3; }
  recv(m) { this.onmessage({ data: JSON.stringify(m) }); }
}

const you = { id: 'me', name: 'Me', administration: 'X', position: 'official', role: 'participant' };
const settings = { phase: 'Idéer', locked: false, timer: { endsAt: null, seconds: 0 }, voting: { open: false, dots: 3, kinds: [], anonymous: false, hidden: false }, focus: null };
const votes = { open: false, hidden: false, dots: 3, kinds: [], mine: {}, dotsLeft: 3, tallies: {}, byPosition: {} };

/** An editor on a board holding objects (lanes a, b, c, d by default, each with a step). */
function board(objects) {
  const c = new BoardClient('b1', 'tok', { WebSocket: FakeWS, storage: new MemStore(), url: () => 'ws://x' });
  c.start();
  FakeWS.last.recv({ type: 'welcome', protocol: 1, you, board: { id: 'b1', title: 'T' }, seq: 1, now: Date.now(), objects, settings, votes, participants: [you] });
  return { c, e: new Editor(c) };
}

const LANES = ['a', 'b', 'c', 'd'];
function lanesWithSteps(orders = [0, 1, 2, 3]) {
  const objs = [];
  LANES.forEach((id, i) => {
    objs.push({ id, kind: 'lane', title: id.toUpperCase(), order: orders[i] });
    objs.push({ id: `s-${id}`, kind: 'step', x: 300, y: i * LANE_HEIGHT + 60, w: 160, h: 80, lane: id, text: id });
  });
  objs.push({ id: 'n', kind: 'note', x: 300, y: 70, w: 160, h: 120, text: 'not in a lane' });
  return objs;
}

const order = (c) => laneBands(c.objects).map((b) => b.lane.id).join('');
const ys = (c) => LANES.map((id) => c.objects.get(`s-${id}`).y);

test('dragging a lane down past two others moves it and the objects of the three lanes', () => {
  const { c, e } = board(lanesWithSteps());
  assert.ok(e.moveLaneTo('a', 2));
  assert.equal(order(c), 'bcad');
  // One batch, which changes only the moved lane's order (between its new
  // neighbours') and the y of the objects in the lanes that moved.
  assert.equal(FakeWS.last.sent.length, 1);
  const ops = FakeWS.last.sent[0].ops;
  assert.deepEqual(ops.filter((o) => 'order' in o.props), [{ op: 'update', id: 'a', props: { order: 2.5 } }]);
  assert.deepEqual(ops.filter((o) => !('order' in o.props)).map((o) => [o.id, Object.keys(o.props)]).sort(),
    [['s-a', ['y']], ['s-b', ['y']], ['s-c', ['y']]]);
  // Every step is still in its lane's band, and still in its lane.
  assert.deepEqual(ys(c), [460, 60, 260, 660]);
  for (const id of LANES) assert.equal(c.objects.get(`s-${id}`).lane, id);
  for (const b of laneBands(c.objects)) {
    const s = c.objects.get(`s-${b.lane.id}`);
    assert.ok(s.y >= b.y0 && s.y + s.h <= b.y1, `the step of ${b.lane.id} in its band`);
  }
  assert.equal(c.objects.get('n').y, 70, 'a note has no lane and stays');
  // Undo puts it all back.
  assert.ok(e.undo());
  assert.equal(order(c), 'abcd');
  assert.deepEqual(ys(c), [60, 260, 460, 660]);
  assert.equal(c.objects.get('a').order, 0);
  assert.ok(e.redo());
  assert.equal(order(c), 'bcad');
});

test('to the top and to the bottom', () => {
  const { c, e } = board(lanesWithSteps());
  e.moveLaneTo('c', 0);
  assert.equal(order(c), 'cabd');
  assert.equal(c.objects.get('c').order, -1);
  e.moveLaneTo('a', 99); // past the end: the last place
  assert.equal(order(c), 'cbda');
  assert.equal(c.objects.get('a').order, 4);
  assert.deepEqual(ys(c), [660, 260, 60, 460]);
  assert.equal(e.moveLaneTo('a', 3), null, 'already there: nothing');
  assert.equal(e.moveLaneTo('x', 0), null);
});

test('lanes with equal orders are numbered again, in one batch', () => {
  // Orders missing or equal (e.g. lanes made at the same time by two
  // people) sort by id: no order between two equal ones puts a lane there.
  const { c, e } = board(lanesWithSteps([0, 0, 0, 0]));
  assert.equal(order(c), 'abcd');
  e.moveLaneTo('d', 1);
  assert.equal(order(c), 'adbc');
  assert.deepEqual(LANES.map((id) => c.objects.get(id).order), [0, 2, 3, 1]);
  assert.equal(FakeWS.last.sent.length, 1);
  assert.deepEqual(ys(c), [60, 460, 660, 260]);
  e.undo();
  assert.equal(order(c), 'abcd');
  assert.deepEqual(LANES.map((id) => c.objects.get(id).order), [0, 0, 0, 0]);
});

test('the buttons move a lane one place', () => {
  const { c, e } = board(lanesWithSteps());
  e.moveLane('b', 1);
  assert.equal(order(c), 'acbd');
  e.moveLane('b', -1);
  e.moveLane('b', -1);
  assert.equal(order(c), 'bacd');
  assert.equal(e.moveLane('b', -1), null);
  assert.equal(e.moveLane('d', 1), null);
  assert.deepEqual(ys(c), [260, 60, 460, 660]);
});
