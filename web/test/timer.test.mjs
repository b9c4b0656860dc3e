// Run: node --test web/test/
// The timer in the header and the facilitation panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timerLeft, timerText } from '../static/js/util.js';

const T0 = 1_760_000_000_000; // the server's clock when the timer was started (ms)

test('a 5-minute timer never shows more than 5:00', () => {
  const timer = { seconds: 300, endsAt: T0 + 300_000 };
  // Our estimate of the server clock lags by the welcome's latency: right
  // after the start it is still before T0.
  for (const lag of [0, 1, 400, 999, 1000, 2500]) {
    assert.equal(timerText(timer, T0 - lag), '5:00', `${lag} ms behind`);
    assert.equal(timerLeft(timer, T0 - lag), 300);
  }
  assert.equal(timerText(timer, T0 + 1), '5:00'); // 299.999 s: rounded up
  assert.equal(timerText(timer, T0 + 999), '5:00');
  assert.equal(timerText(timer, T0 + 1000), '4:59');
  assert.equal(timerText(timer, T0 + 299_001), '0:01');
  assert.equal(timerText(timer, T0 + 299_999), '0:01');
});

test('a timer that has run out shows 0, never less', () => {
  const timer = { seconds: 60, endsAt: T0 + 60_000 };
  assert.equal(timerLeft(timer, T0 + 60_000), 0);
  assert.equal(timerLeft(timer, T0 + 3_600_000), 0);
  assert.equal(timerText(timer, T0 + 60_000), '');
  assert.equal(timerText(timer, T0 + 61_000), '');
});

test('no timer, and a timer without a known length', () => {
  assert.equal(timerLeft(null, T0), null);
  assert.equal(timerLeft({ endsAt: null, seconds: 300 }, T0), null);
  assert.equal(timerText({ seconds: 0 }, T0), null);
  // Without seconds only the lower bound applies.
  assert.equal(timerText({ endsAt: T0 + 90_500 }, T0), '1:31');
  assert.equal(timerText({ endsAt: T0 + 3_725_000, seconds: 7200 }, T0), '1:02:05');
});
