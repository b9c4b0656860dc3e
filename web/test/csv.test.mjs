// Run: node --test web/test/
// saveCSV (api.js), which the cluster and strategy pages use for their
// CSV buttons: it asks for text/csv with the organizer's key, saves the
// file under the name the server gives, and says what went wrong plainly.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const saved = [];
globalThis.document = {
  body: { append(a) { saved.push(a); } },
  createElement: (tag) => ({ tag, attrs: {}, setAttribute(k, v) { this.attrs[k] = v; }, click() { this.clicked = true; }, remove() {} }),
};
const { saveCSV, ApiError } = await import('../static/js/api.js');

test('saveCSV asks for CSV with the key and saves it under the server\'s name', async () => {
  const asked = [];
  globalThis.fetch = async (path, opts) => {
    asked.push({ path, opts });
    return new Response('kommun;mål\n0780;Fossilfri\n', { status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename*=UTF-8\'\'Kronoberg%20%C3%A5tg%C3%A4rder.csv' } });
  };
  await saveCSV('/api/clusters/Kronoberg', 'nyckel', 'kluster.csv');
  assert.equal(asked.length, 1);
  assert.equal(asked[0].path, '/api/clusters/Kronoberg');
  assert.equal(asked[0].opts.headers.Accept, 'text/csv');
  assert.equal(asked[0].opts.headers.Authorization, 'Bearer nyckel');
  const a = saved.at(-1);
  assert.equal(a.attrs.download, 'Kronoberg åtgärder.csv');
  assert.ok(a.clicked);
  // Without a name from the server, the fallback; without a key (a
  // signed-in account's cookie), no Authorization header.
  globalThis.fetch = async (path, opts) => { asked.push({ path, opts }); return new Response('x', { status: 200 }); };
  await saveCSV('/api/strategies/s1', null, 'atgarder.csv');
  assert.equal(saved.at(-1).attrs.download, 'atgarder.csv');
  assert.equal(asked.at(-1).opts.headers.Authorization, undefined);
});

test('saveCSV reports the server\'s error and saves nothing', async () => {
  const before = saved.length;
  globalThis.fetch = async () => new Response(JSON.stringify({ error: { code: 'forbidden', message: 'not your cluster' } }), { status: 403, headers: { 'Content-Type': 'application/json' } });
  await assert.rejects(saveCSV('/api/clusters/Annat', 'nyckel', 'kluster.csv'), (e) => e instanceof ApiError && e.code === 'forbidden');
  assert.equal(saved.length, before);
});
