// Run: node --test web/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardClient } from '../static/js/realtime.js';

class MemStore {
  constructor() { this.m = new Map(); }
  get(k) { return this.m.has(k) ? this.m.get(k) : null; }
  set(k, v) { this.m.set(k, v); return true; }
  del(k) { this.m.delete(k); }
}

class FakeWS {
  static all = [];
  constructor(url) { this.url = url; this.sent = []; this.readyState = 1; FakeWS.all.push(this); }
  send(d) { const m = JSON.parse(d); if (m.type === 'ping') this.pings = (this.pings || 0) + 1; else if (m.type !== 'presence') this.sent.push(m); }
  close() { this.readyState = 3; }
  recv(m) { this.onmessage({ data: JSON.stringify(m) }); }
  drop(code = 1006) { this.readyState = 3; this.onclose({ code }); }
}

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const L = '00000000-0000-4000-8000-00000000000c';
const settings = { phase: 'Idéer', locked: false, timer: { endsAt: null, seconds: 0 }, voting: { open: false, dots: 3, kinds: [], anonymous: false, hidden: false }, focus: null };
const votes = { open: false, hidden: false, dots: 3, kinds: [], mine: {}, dotsLeft: 3, tallies: {}, byPosition: {} };
const you = { id: 'me', name: 'Me', administration: 'X', position: 'official', role: 'participant' };

function welcome(seq, objects) {
  return { type: 'welcome', protocol: 1, you, board: { id: 'b1', title: 'T' }, seq, now: Date.now(), objects, settings, votes, participants: [you] };
}

function newClient(storage = new MemStore(), opts = {}) {
  FakeWS.all = [];
  const c = new BoardClient('b1', 'tok', { WebSocket: FakeWS, storage, url: (b, t, since) => `ws://x/${b}?since=${since}`, ...opts });
  return c;
}

test('optimistic ops, ack with normalized ops, remote ops', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  assert.equal(ws.url, 'ws://x/b1?since=null');
  ws.recv(welcome(5, [{ id: L, kind: 'lane', title: 'Lane', order: 0 }]));
  assert.equal(c.status, 'online');
  const d = c.submitOps([{ op: 'create', id: A, kind: 'note', props: { x: 1, y: 2, color: '#FFFFFF' } }]);
  assert.equal(d.before.get(A), null);
  assert.equal(c.objects.get(A).color, '#ffffff', 'shown as the server keeps it');
  assert.equal(ws.sent.length, 1);
  const batch = ws.sent[0];
  assert.equal(batch.type, 'ops');
  // a remote change comes first
  ws.recv({ type: 'ops', seq: 6, author: 'o', at: 1, ops: [{ op: 'update', id: L, props: { title: 'Ny' } }] });
  assert.equal(c.objects.get(L).title, 'Ny');
  assert.equal(c.objects.get(A).color, '#ffffff', 'pending stays applied');
  ws.recv({ type: 'ack', id: batch.id, seq: 7, at: 2, ops: [{ op: 'create', id: A, kind: 'note', props: { x: 1, y: 2, color: '#ffffff' } }] });
  assert.equal(c.objects.get(A).color, '#ffffff', 'normalized ops applied');
  assert.equal(c.pending.length, 0);
  assert.equal(c.confirmed.seq, 7);
});

test('reject rolls back only that batch', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  const rejects = [];
  c.addEventListener('reject', (e) => rejects.push(e.detail));
  ws.recv(welcome(1, []));
  c.submitOps([{ op: 'create', id: A, kind: 'note', props: { x: 0, y: 0 } }]);
  c.submitOps([{ op: 'create', id: B, kind: 'note', props: { x: 5, y: 5 } }]);
  assert.equal(c.objects.size, 2);
  ws.recv({ type: 'reject', id: ws.sent[0].id, code: 'invalid', message: 'nope' });
  assert.equal(c.objects.size, 1);
  assert.ok(c.objects.has(B));
  assert.equal(rejects[0].code, 'invalid');
});

test('delete cascades locally; undo diff covers the cascade', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(1, [
    { id: L, kind: 'lane', title: 'L', order: 0 },
    { id: A, kind: 'step', x: 0, y: 0, lane: L },
    { id: B, kind: 'step', x: 0, y: 0 },
    { id: 'k', kind: 'link', from: A, to: B },
  ]));
  const d = c.submitOps([{ op: 'delete', id: L }]);
  assert.equal(c.objects.get(A).lane, undefined);
  assert.equal(d.before.get(A).lane, L);
  const d2 = c.submitOps([{ op: 'delete', id: A }]);
  assert.ok(!c.objects.has('k'));
  assert.ok(d2.before.has('k'));
});

test('offline edits persist across reload and are sent after catch-up', () => {
  const storage = new MemStore();
  let c = newClient(storage);
  c.start();
  let ws = FakeWS.all[0];
  ws.recv(welcome(3, [{ id: L, kind: 'lane', title: 'L', order: 0 }]));
  c.saveReplica();
  ws.drop(1006);
  assert.equal(c.status, 'offline');
  c.submitOps([{ op: 'update', id: L, props: { title: 'Offline' } }]);
  assert.equal(ws.sent.length, 0);
  c.stop();
  // reload
  c = newClient(storage);
  assert.equal(c.objects.get(L).title, 'Offline', 'view restored from replica + pending');
  c.start();
  ws = FakeWS.all[0];
  assert.equal(ws.url, 'ws://x/b1?since=3');
  ws.recv({ ...welcome(5), objects: undefined });
  assert.equal(ws.sent.length, 0, 'not before catch-up');
  ws.recv({ type: 'ops', seq: 4, author: 'o', at: 1, ops: [{ op: 'update', id: L, props: { color: '#000000' } }] });
  assert.equal(ws.sent.length, 0);
  ws.recv({ type: 'settings', seq: 5, settings: { ...settings, phase: 'Diskutera' } });
  assert.equal(ws.sent.length, 1, 'sent once seq reached welcome.seq');
  assert.equal(ws.sent[0].ops[0].props.title, 'Offline');
  assert.equal(c.objects.get(L).color, '#000000');
  assert.equal(c.settings.phase, 'Diskutera');
});

test('ack for an unknown id is applied like ops; settings ack then settings', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(1, []));
  ws.recv({ type: 'ack', id: 'other-tab', seq: 2, at: 1, ops: [{ op: 'create', id: A, kind: 'note', props: { x: 0, y: 0 } }] });
  assert.ok(c.objects.has(A));
  c.submitSettings({ timer: { seconds: 300, start: true } });
  assert.ok(c.settings.timer.endsAt > Date.now());
  const id = ws.sent.at(-1).id;
  ws.recv({ type: 'ack', id, seq: 3, at: 1 });
  assert.ok(c.settings.timer.endsAt > Date.now(), 'no flicker between ack and settings');
  ws.recv({ type: 'settings', seq: 3, settings: { ...settings, timer: { endsAt: 123, seconds: 300 } } });
  assert.equal(c.settings.timer.endsAt, 123);
  assert.equal(c.confirmed.seq, 3);
});

test('votes are optimistic', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv({ ...welcome(1, [{ id: A, kind: 'note', x: 0, y: 0 }]), votes: { ...votes, open: true } });
  c.vote(A, 1);
  assert.equal(c.votes.mine[A], 1);
  assert.equal(c.votes.dotsLeft, 2);
  ws.recv({ type: 'reject', id: ws.sent.at(-1).id, code: 'voting_closed', message: '' });
  assert.equal(c.votes.mine[A], undefined);
  assert.equal(c.votes.dotsLeft, 3);
});

test('4401 gives up', () => {
  const c = newClient();
  const closed = [];
  c.addEventListener('closed', (e) => closed.push(e.detail.code));
  c.start();
  FakeWS.all[0].drop(4401);
  assert.deepEqual(closed, [4401]);
  assert.equal(c.status, 'closed');
  c.stop();
});

import { transitionOps } from '../static/js/editor.js';

test('undo keeps others\' later edits to other props', () => {
  const before = new Map([[A, { id: A, kind: 'step', x: 0, y: 0, text: 'a' }]]);
  const after = new Map([[A, { id: A, kind: 'step', x: 10, y: 0, text: 'a' }]]);
  // someone else changed the text since, and also x? no: only text
  const current = new Map([[A, { id: A, kind: 'step', x: 10, y: 0, text: 'theirs' }]]);
  assert.deepEqual(transitionOps(after, before, current), [{ op: 'update', id: A, props: { x: 0 } }]);
  // if they moved it too, we keep their x
  current.set(A, { ...current.get(A), x: 99 });
  assert.deepEqual(transitionOps(after, before, current), []);
  // undo of a delete recreates nodes before links
  const b2 = new Map([[A, { id: A, kind: 'step', x: 0, y: 0 }], ['k', { id: 'k', kind: 'link', from: A, to: B }], [B, { id: B, kind: 'note', x: 1, y: 1 }]]);
  const a2 = new Map([[A, null], ['k', null], [B, { id: B, kind: 'note', x: 1, y: 1 }]]);
  const cur2 = new Map([[B, { id: B, kind: 'note', x: 1, y: 1 }]]);
  const ops = transitionOps(a2, b2, cur2);
  assert.deepEqual(ops.map((o) => o.op + ':' + o.id), [`create:${A}`, 'create:k']);
  // redo deletes only the node (the link goes with it)
  const cur3 = new Map(cur2); cur3.set(A, b2.get(A)); cur3.set('k', b2.get('k'));
  assert.deepEqual(transitionOps(b2, a2, cur3), [{ op: 'delete', id: A }]);
});

import { keyBetween, validZ, applyOp, laneBands, laneAt } from '../static/js/model.js';

test('fractional indexes stay ordered and valid', () => {
  let lo = keyBetween(null, null), hi = keyBetween(lo, null);
  assert.ok(lo < hi);
  for (let i = 0; i < 200; i++) {
    const m = keyBetween(lo, hi);
    assert.ok(lo < m && m < hi, `${lo} < ${m} < ${hi}`);
    assert.ok(validZ(m));
    if (i % 2) lo = m; else hi = m;
  }
  let k = keyBetween(null, null);
  for (let i = 0; i < 100; i++) { const below = keyBetween(null, k); assert.ok(below < k && validZ(below)); k = below; }
});

test('lanes stack by order from y=0; apply delete cascades like the server', () => {
  const m = new Map();
  applyOp(m, { op: 'create', id: 'l2', kind: 'lane', props: { title: 'B', order: 5 } });
  applyOp(m, { op: 'create', id: 'l1', kind: 'lane', props: { title: 'A', order: -1 } });
  const bands = laneBands(m);
  assert.deepEqual(bands.map((b) => [b.lane.id, b.y0]), [['l1', 0], ['l2', 200]]);
  assert.equal(laneAt(bands, 100, 250).lane.id, 'l2');
  assert.equal(laneAt(bands, 2500, 250), null);
  applyOp(m, { op: 'create', id: 's', kind: 'step', props: { x: 0, y: 0, lane: 'l1' } });
  applyOp(m, { op: 'create', id: 'n', kind: 'note', props: { x: 0, y: 0 } });
  applyOp(m, { op: 'create', id: 'k', kind: 'link', props: { from: 's', to: 'n' } });
  applyOp(m, { op: 'delete', id: 'l1' });
  assert.equal(m.get('s').lane, undefined);
  applyOp(m, { op: 'delete', id: 'n' });
  assert.ok(!m.has('k'));
});

test('1009 drops the message that was too large and reconnects with since', () => {
  const c = newClient();
  const rejects = [];
  c.addEventListener('reject', (e) => rejects.push(e.detail.code));
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(2, []));
  c.submitOps([{ op: 'create', id: A, kind: 'note', props: { x: 0, y: 0 } }]);
  ws.drop(1009);
  assert.deepEqual(rejects, ['too_large']);
  assert.equal(c.pending.length, 0);
  assert.ok(!c.objects.has(A));
  assert.equal(c.status, 'offline');
  c.stop();
});

test('private round: ops with ops:[] advance the seq; the reveal brings the notes', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(3, []));
  ws.recv({ type: 'settings', seq: 4, settings: { ...settings, private: true } });
  ws.recv({ type: 'ops', seq: 5, author: 'o', at: 1, ops: [] });
  assert.equal(c.confirmed.seq, 5);
  assert.equal(c.objects.size, 0);
  // One's own note in the round comes back marked private.
  const b = c.submitOps([{ op: 'create', id: A, kind: 'note', props: { x: 0, y: 0, text: 'min' } }]);
  assert.ok(b);
  ws.recv({ type: 'ack', id: ws.sent[0].id, seq: 6, at: 2, ops: [{ op: 'create', id: A, kind: 'note', props: { x: 0, y: 0, text: 'min' }, privateTo: 'me' }] });
  assert.equal(c.objects.get(A).privateTo, 'me');
  const note = { id: B, kind: 'note', text: 'hemlig', x: 1, y: 1, createdBy: 'o', createdAt: 1, updatedAt: 1 };
  const changes = [];
  c.addEventListener('change', (e) => changes.push(e.detail.ids));
  ws.recv({ type: 'settings', seq: 7, settings: { ...settings, private: false }, revealed: [note, { id: A, kind: 'note', x: 0, y: 0, text: 'min', createdBy: 'me', createdAt: 2, updatedAt: 2 }] });
  assert.equal(c.objects.get(B).text, 'hemlig');
  assert.equal(c.objects.get(A).privateTo, undefined, 'revealed notes are public');
  assert.ok(changes.some((ids) => ids.has(B)));
  assert.equal(c.confirmed.seq, 7);
});

test('a vote opens hidden unless told; clear is not a setting', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(1, []));
  c.me = { ...you, role: 'facilitator' };
  c.submitSettings({ voting: { open: true, dots: 3, kinds: ['note'] } });
  assert.equal(c.settings.voting.hidden, true);
  c.submitSettings({ voting: { clear: true } });
  assert.equal('clear' in c.settings.voting, false);
});

function until(cond, ms = 2000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => { if (cond()) resolve(); else if (Date.now() - t0 > ms) reject(new Error('timed out')); else setTimeout(tick, 5); };
    tick();
  });
}

test('heartbeat: pings while answered; a silent link is dropped and retried', async () => {
  let now = 1000;
  const c = newClient(new MemStore(), { heartbeat: { every: 1e9, dead: 5000 }, now: () => now });
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(1, []));
  assert.equal(c.status, 'online');
  for (let i = 0; i < 5; i++) { now += 1500; c.heartbeatTick(); ws.recv({ type: 'pong' }); }
  assert.equal(ws.pings, 5);
  assert.equal(c.status, 'online', 'answered pings keep the link');
  c.submitOps([{ op: 'create', id: A, kind: 'note', props: { x: 1, y: 2 } }]);
  now += 4000; c.heartbeatTick();
  assert.equal(c.status, 'online', 'not yet: 4 s of silence');
  now += 1500; c.heartbeatTick();
  assert.equal(c.status, 'offline', 'dropped after 5 s of silence');
  assert.notEqual(c.ws, ws, 'the silent socket was let go');
  assert.equal(c.pending.length, 1, 'the edit waits');
  await until(() => FakeWS.all.length >= 2);
  assert.equal(c.status, 'offline', 'reconnecting keeps saying so');
  c.stop();
});

test('an offline edit to a text someone changed after it is held and offered', () => {
  const c = newClient();
  c.start();
  let ws = FakeWS.all[0];
  ws.recv(welcome(1, [{ id: A, kind: 'step', text: 'Start', x: 0, y: 0 }]));
  ws.drop();
  c.submitOps([{ op: 'update', id: A, props: { text: 'Min text', color: '#ffffff' } }]);
  const offers = [];
  c.addEventListener('conflict', (e) => offers.push(e.detail));
  c.connect();
  ws = FakeWS.all.at(-1);
  ws.recv({ ...welcome(2, undefined), objects: undefined });
  ws.recv({ type: 'ops', seq: 2, author: 'bo', at: Date.now() + 1000, ops: [{ op: 'update', id: A, props: { text: 'Bos text' } }] });
  assert.equal(offers.length, 1);
  assert.deepEqual(offers[0].conflicts.map((x) => [x.prop, x.mine, x.theirs, x.author]), [['text', 'Min text', 'Bos text', 'bo']]);
  assert.equal(ws.sent.filter((m) => m.type === 'ops').length, 0, 'not sent silently');
  c.resolveConflict(offers[0].id, false);
  const sent = ws.sent.filter((m) => m.type === 'ops');
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].ops, [{ op: 'update', id: A, props: { color: '#ffffff' } }], 'their text kept, the rest sent');
  assert.equal(c.objects.get(A).text, 'Bos text');
  c.stop();
});

test('a text of mine replaced by someone else is reported with what undo needs', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(1, [{ id: A, kind: 'step', text: '', x: 0, y: 0 }]));
  c.submitOps([{ op: 'update', id: A, props: { text: 'Anna skrev detta' } }]);
  ws.recv({ type: 'ack', id: ws.sent[0].id, seq: 2 });
  const told = [];
  c.addEventListener('overwritten', (e) => told.push(e.detail));
  ws.recv({ type: 'ops', seq: 3, author: 'bo', ops: [{ op: 'update', id: A, props: { text: 'Anna skrev detta och mer' } }] });
  assert.equal(told.length, 0, 'built on mine: nothing lost');
  c.submitOps([{ op: 'update', id: A, props: { text: 'Annas nya' } }]);
  ws.recv({ type: 'ack', id: ws.sent[1].id, seq: 4 });
  ws.recv({ type: 'ops', seq: 5, author: 'bo', ops: [{ op: 'update', id: A, props: { text: 'Bo' } }] });
  assert.equal(told.length, 1);
  assert.equal(told[0].mine, 'Annas nya');
  assert.equal(told[0].before.text, 'Annas nya');
  assert.equal(told[0].after.text, 'Bo');
  c.stop();
});

test('participants deltas after the welcome: join, online, role, removal; whole lists still replace', () => {
  const c = newClient();
  c.start();
  const ws = FakeWS.all[0];
  ws.recv(welcome(5, []));
  const other = { id: 'o', name: 'O', administration: 'X', position: 'official', role: 'participant', online: false };
  ws.recv({ type: 'participants', seq: 6, delta: true, participants: [other] });
  assert.deepEqual(c.participants.map((p) => p.id), ['me', 'o'], 'a join is added at the end');
  assert.equal(c.confirmed.seq, 6);
  ws.recv({ type: 'participants', delta: true, participants: [], online: ['o'] });
  assert.equal(c.participants.find((p) => p.id === 'o').online, true, 'came online');
  assert.equal(c.participants.find((p) => p.id === 'o').name, 'O', 'the entry stays whole');
  ws.recv({ type: 'participants', delta: true, participants: [], offline: ['o'] });
  assert.equal(c.participants.find((p) => p.id === 'o').online, false, 'went offline');
  ws.recv({ type: 'participants', delta: true, participants: [], online: ['o'] });
  assert.equal(c.confirmed.seq, 6, 'an online change is outside the sequence');
  ws.recv({ type: 'participants', seq: 7, delta: true, participants: [{ ...you, role: 'facilitator', online: true }] });
  assert.deepEqual(c.participants.map((p) => p.id), ['me', 'o'], 'a role change stays in place');
  assert.equal(c.me.role, 'facilitator', 'my own role follows');
  ws.recv({ type: 'participants', seq: 8, delta: true, participants: [], removed: ['o'] });
  assert.deepEqual(c.participants.map((p) => p.id), ['me'], 'removed');
  ws.recv({ type: 'participants', seq: 9, participants: [you, other] });
  assert.deepEqual(c.participants.map((p) => p.id), ['me', 'o'], 'a message without delta is the whole list');
});

test('a partial welcome: names asked once per id in one request, all for the panel, the count kept', async () => {
  const storage = new MemStore();
  const c = newClient(storage);
  c.start();
  let ws = FakeWS.all[0];
  const at = Date.now();
  const fac = { id: 'f', name: 'F', administration: 'X', position: 'official', role: 'facilitator', online: true, joinedAt: at - 60000 };
  ws.recv({ ...welcome(5, []), participants: [you, fac], participantCount: 10, participantsPartial: true, now: at });
  assert.equal(c.participantsPartial, true);
  assert.equal(c.participantCount, 10);
  const tick = () => new Promise((r) => setTimeout(r, 0));
  assert.equal(c.participant('p1'), null);
  c.wantParticipants(['p1', 'p2', 'f']);
  c.participant('p1');
  await tick();
  const asks = () => ws.sent.filter((m) => m.type === 'participants');
  assert.equal(asks().length, 1, 'one request for the calls of one task');
  assert.deepEqual(asks()[0].ids, ['p1', 'p2'], 'only the ids not here, once');
  assert.ok(asks()[0].id);
  assert.equal(c.pending.length, 0, 'not an edit');
  const p1 = { id: 'p1', name: 'P1', administration: 'Y', position: 'chief', role: 'participant', online: true, joinedAt: at - 50000 };
  const named = c.whenParticipants(['p1', 'p2']);
  ws.recv({ type: 'participants', delta: true, participants: [p1] }); // p2 left the board meanwhile
  await named;
  assert.equal(c.participant('p1').name, 'P1');
  assert.equal(c.participantCount, 10, 'an answer adds entries, not people');
  c.wantParticipants(['p1', 'p2']);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(asks().length, 1, 'never asked twice on one connection');
  // live changes: a join, someone we did not know removed, an online change
  const p9 = { id: 'p9', name: 'P9', administration: 'Z', position: 'other', role: 'participant', online: false, joinedAt: at + 1000 };
  ws.recv({ type: 'participants', seq: 6, delta: true, participants: [p9] });
  assert.equal(c.participantCount, 11, 'a join counts');
  ws.recv({ type: 'participants', seq: 7, delta: true, participants: [{ ...p1, role: 'observer' }] });
  assert.equal(c.participantCount, 11, 'a role change does not');
  ws.recv({ type: 'participants', seq: 8, delta: true, participants: [{ id: 'p4', name: 'P4', role: 'observer', joinedAt: at - 40000 }] });
  assert.equal(c.participantCount, 11, 'nor a role change of someone the list left out');
  ws.recv({ type: 'participants', seq: 9, delta: true, participants: [], removed: ['p3'] });
  assert.equal(c.participantCount, 10, 'a removal counts');
  ws.recv({ type: 'participants', delta: true, participants: [], online: ['p7'] });
  assert.equal(c.participantsPartial, true);
  c.wantAllParticipants();
  c.wantAllParticipants();
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(asks().length, 2);
  assert.equal(asks()[1].all, true);
  const everyone = [you, fac, p1, p9, 'p4', 'p5', 'p6', 'p7', 'p8', 'p10'].map((p) => (typeof p === 'string' ? { id: p, name: p.toUpperCase(), role: 'participant' } : p));
  ws.recv({ type: 'participants', delta: true, participants: everyone });
  assert.equal(c.participantsPartial, false, 'the answer to all makes the list whole');
  assert.equal(c.participantCount, 10);
  c.saveReplica();
  // After a reconnect the next welcome is partial again and ids are asked anew.
  ws.drop();
  await new Promise((r) => setTimeout(r, 600));
  ws = FakeWS.all[FakeWS.all.length - 1];
  assert.notEqual(ws, FakeWS.all[0]);
  ws.recv({ ...welcome(9, []), participants: [you, fac], participantCount: 10, participantsPartial: true, now: at + 5000 });
  c.participant('p1');
  await tick();
  assert.deepEqual(ws.sent.filter((m) => m.type === 'participants').map((m) => m.ids), [['p1']]);
  // Offline: nothing is asked, nothing queued.
  ws.drop();
  c.participant('p5');
  await tick();
  assert.equal(c.pending.length, 0);
  c.stop();
  const r = JSON.parse(storage.get('processkarta.replica.b1'));
  assert.equal(r.participantsPartial, true);
  assert.equal(r.participantCount, 10);
  const again = newClient(storage);
  assert.equal(again.participantsPartial, true, 'restored with the replica');
  assert.equal(again.participantCount, 10);
});

test('a participants request refused as too soon is asked again a second later; another refusal is not', async () => {
  const c = newClient(new MemStore());
  c.start();
  const ws = FakeWS.all[FakeWS.all.length - 1];
  const fac = { id: 'f', name: 'F', administration: 'X', position: 'official', role: 'facilitator', online: true, joinedAt: 1 };
  ws.recv({ ...welcome(5, []), participants: [you, fac], participantCount: 10, participantsPartial: true, now: Date.now() });
  const asks = () => ws.sent.filter((m) => m.type === 'participants');
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  c.participant('p1');
  await wait(0);
  assert.deepEqual(asks()[0].ids, ['p1']);
  ws.recv({ type: 'reject', id: asks()[0].id, code: 'rate_limited', message: 'too many', retry: true });
  await wait(500);
  assert.equal(asks().length, 1, 'not at once');
  await wait(700);
  assert.equal(asks().length, 2, 'again after a second');
  assert.deepEqual(asks()[1].ids, ['p1']);
  ws.recv({ type: 'reject', id: asks()[1].id, code: 'invalid', message: 'bad' });
  c.participant('p1');
  await wait(250);
  assert.equal(asks().length, 2, 'an id refused for another reason is not asked again');
  c.wantAllParticipants();
  await wait(250);
  assert.equal(asks()[2].all, true);
  ws.recv({ type: 'reject', id: asks()[2].id, code: 'rate_limited', message: 'too many', retry: true });
  await wait(1200);
  assert.equal(asks().length, 4);
  assert.equal(asks()[3].all, true, 'everyone, asked again');
  c.stop();
});
