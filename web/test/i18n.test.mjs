// Run: node --test web/test/
// Both language tables have the same keys, and every literal key the code
// uses exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import sv from '../static/js/i18n/sv.js';
import en from '../static/js/i18n/en.js';

const root = new URL('../static/', import.meta.url);

test('sv and en have the same keys', () => {
  const a = Object.keys(sv).sort(), b = Object.keys(en).sort();
  assert.deepEqual(a.filter((k) => !(k in en)), [], 'missing in en');
  assert.deepEqual(b.filter((k) => !(k in sv)), [], 'missing in sv');
});

test('every key used in code and HTML exists', () => {
  const files = [
    ...readdirSync(new URL('js/', root)).filter((f) => f.endsWith('.js')).map((f) => new URL(`js/${f}`, root)),
    ...readdirSync(root).filter((f) => f.endsWith('.html')).map((f) => new URL(f, root)),
  ];
  const missing = [];
  const ns = /^(common|error|board|toolbar|canvas|zoom|panel|tool|kind|label|goal|conn|close|join|phase|position|role|timer|banner|summon|vote|reject|announce|peer|inspect|field|color|lane|link|action|people|results|facil|rank|outline|projector|help|org|lang|follow|private)\./;
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/['"]([a-z]+\.[A-Za-z0-9_.#-]+)['"]/g)) {
      const k = m[1];
      if (!ns.test(k) || /\.(js|css|html|svg)$/.test(k)) continue;
      if (!(k in sv)) missing.push(`${f.pathname.split('/static/')[1]}: ${k}`);
    }
  }
  assert.deepEqual(missing, []);
});
