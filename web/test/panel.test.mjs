// Run: node --test web/test/
// The side panel's render queue: renders asked for by messages are
// coalesced to animation frames and held while a pointer is down in the
// panel, until it is released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RenderQueue } from '../static/js/morph.js';

function setup() {
  const frames = [];
  const root = new EventTarget(), win = new EventTarget();
  let renders = 0, timeout = null;
  const timers = { setTimeout: (f) => { timeout = f; return 1; }, clearTimeout: () => { timeout = null; } };
  const q = new RenderQueue(root, () => { renders++; }, { raf: (f) => { frames.push(f); return frames.length; }, win, timers });
  const frame = () => { const fs = frames.splice(0); for (const f of fs) f(); };
  const expire = () => { const f = timeout; timeout = null; if (f) f(); };
  return { q, root, win, frame, frames, expire, renders: () => renders };
}

test('renders asked for within a frame are one render', () => {
  const { q, frame, frames, renders } = setup();
  for (let i = 0; i < 50; i++) q.request();
  assert.equal(renders(), 0);
  assert.equal(frames.length, 1);
  frame();
  assert.equal(renders(), 1);
  frame();
  assert.equal(renders(), 1, 'nothing asked for since');
  q.request();
  frame();
  assert.equal(renders(), 2);
});

test('no render while a pointer is down in the panel; one after it is released', () => {
  const { q, root, win, frame, renders } = setup();
  root.dispatchEvent(new Event('pointerdown'));
  for (let i = 0; i < 10; i++) { q.request(); frame(); }
  assert.equal(renders(), 0);
  win.dispatchEvent(new Event('pointerup'));
  assert.equal(renders(), 0, 'not at once: the click comes after pointerup');
  frame();
  assert.equal(renders(), 1);
  // A frame already scheduled when the pointer goes down renders nothing.
  q.request();
  root.dispatchEvent(new Event('pointerdown'));
  frame();
  assert.equal(renders(), 1);
  win.dispatchEvent(new Event('pointercancel'));
  frame();
  assert.equal(renders(), 2);
  // Released without anything asked for: no render.
  root.dispatchEvent(new Event('pointerdown'));
  win.dispatchEvent(new Event('pointerup'));
  frame();
  assert.equal(renders(), 2);
});

test('the user\'s own actions render at once', () => {
  const { q, frame, renders } = setup();
  q.request();
  q.now();
  assert.equal(renders(), 1);
  frame();
  assert.equal(renders(), 1, 'the requested render was done by now()');
});

test('a pointerup that never comes holds renders back only for a while', () => {
  const { q, root, frame, expire, renders } = setup();
  root.dispatchEvent(new Event('pointerdown')); // e.g. on a select, whose popup keeps the pointerup
  q.request();
  frame();
  assert.equal(renders(), 0);
  expire();
  frame();
  assert.equal(renders(), 1);
});
