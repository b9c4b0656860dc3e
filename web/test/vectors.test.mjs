// The browser's copies of server rules against the server's own cases:
// board/testdata/vectors holds (state, message) → state cases that
// board/vectors_test.go runs through the Go code and this file through the
// JavaScript. A case with "error" is one the server refuses; the browser's
// copy must leave the state as it was then too.
// Run: node --test web/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyOps } from '../static/js/model.js';
import { mergeSettings, addVote } from '../static/js/rules.js';

const vectors = (name) => JSON.parse(readFileSync(new URL(`../../board/testdata/vectors/${name}`, import.meta.url), 'utf8'));
const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

test('vectors: applyOps does what the server does to objects', async (t) => {
  const v = vectors('ops.json');
  assert.ok(v.cases.length >= 15);
  for (const c of v.cases) await t.test(c.name, () => {
    const objects = new Map((c.objects || v.objects).map((o) => [o.id, structuredClone(o)]));
    applyOps(objects, c.ops, c.author, c.at);
    assert.deepEqual([...objects.values()].sort(byId), c.want);
  });
});

test('vectors: mergeSettings does what the server does to settings', async (t) => {
  const v = vectors('settings.json');
  assert.ok(v.cases.length >= 15);
  for (const c of v.cases) await t.test(c.name, () => {
    const base = structuredClone(c.settings || v.settings);
    const got = mergeSettings(base, c.patch, c.now);
    assert.deepEqual(got, c.want);
    assert.deepEqual(base, c.settings || v.settings, 'the base was changed');
  });
});

test('vectors: addVote does what the server does to the voter\'s view', async (t) => {
  const v = vectors('votes.json');
  assert.ok(v.cases.length >= 15);
  const people = new Map(v.participants.map((p) => [p.id, p]));
  for (const c of v.cases) await t.test(c.name, () => {
    const view = structuredClone(c.view);
    const got = addVote(view, c.target, c.delta, people.get(c.viewer).position, c.voting.anonymous);
    assert.deepEqual(got, c.want);
    assert.deepEqual(view, c.view, 'the view it started from was changed');
  });
});
