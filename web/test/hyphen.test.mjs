// The canvas hyphenates by the same rules as the PDF: the examples of
// export/hyphen/sv.json (which the Go tests check too) must come out the
// same here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setRules, mark, breaks } from '../static/js/hyphen.js';

const rules = JSON.parse(readFileSync(new URL('../../export/hyphen/sv.json', import.meta.url), 'utf8'));
setRules(rules);

test('the examples of sv.json', () => {
  assert.ok(Object.keys(rules.examples).length >= 10);
  for (const [word, want] of Object.entries(rules.examples)) assert.equal(mark(word), want, word);
});

test('no break too near either end', () => {
  for (const w of ['', 'a', 'öö', 'Kommunledningskontoret', 'x-y-z', 'ÅÄÖåäö', 'İstanbulkontoret']) {
    const n = Array.from(w).length;
    for (const i of breaks(w).syllables) assert.ok(i >= rules.minLeft && n - i >= rules.minRight, `${w} at ${i}`);
    for (const j of breaks(w).joints) assert.ok(breaks(w).syllables.includes(j), `${w}: joint ${j}`);
  }
});
