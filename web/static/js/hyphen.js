// Where Swedish words may be hyphenated, by the rules of
// export/hyphen/sv.json: the PDF export reads the same file, and the server
// serves it at /api/hyphenation, so words break in the same places on the
// canvas as in the PDF. This applies the rules exactly as export/hyphen
// does (web/test/hyphen.test.mjs checks the file's examples against both).

let rules = null;
const cache = new Map();

/** Uses the rules (the parsed sv.json). */
export function setRules(r) {
  rules = {
    ...r,
    parts: (r.parts || []).map((p) => Array.from(p)),
    together: (r.together || []).map((g) => Array.from(g)),
  };
  cache.clear();
}

/** Fetches the rules from the server; words stay whole until they arrive. */
export async function loadRules(url = '/api/hyphenation') {
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' } });
    if (res.ok) setRules(await res.json());
  } catch { /* offline: words are broken by characters only if they must */ }
  return !!rules;
}

export function haveRules() { return !!rules; }

const eq = (a, i, b) => b.every((c, k) => a[i + k] === c);

/**
 * The places word may be hyphenated, as code point offsets (a break at i
 * puts the first i characters before the hyphen), ascending:
 * {joints: where a compound's parts meet, syllables: every break}.
 */
export function breaks(word) {
  let b = cache.get(word);
  if (b) return b;
  b = compute(word);
  if (cache.size > 5000) cache.clear();
  cache.set(word, b);
  return b;
}

function compute(word) {
  const out = { joints: [], syllables: [] };
  if (!rules) return out;
  // As export/hyphen: the parts between hyphens each by the rules, and a
  // break right after each hyphen (where no further hyphen is added).
  const w = Array.from(word);
  let start = 0;
  for (let i = 0; i <= w.length; i++) {
    if (i < w.length && w[i] !== '-') continue;
    const seg = segment(w.slice(start, i));
    for (const j of seg.joints) out.joints.push(start + j);
    for (const j of seg.syllables) out.syllables.push(start + j);
    if (i < w.length && i > 0 && i + 1 < w.length && /\p{L}/u.test(w[i - 1]) && /\p{L}/u.test(w[i + 1])
      && i + 1 >= rules.minLeft && w.length - i - 1 >= rules.minRight) {
      out.joints.push(i + 1);
      out.syllables.push(i + 1);
    }
    start = i + 1;
  }
  out.joints.sort((a, c) => a - c);
  out.syllables.sort((a, c) => a - c);
  return out;
}

/** What a line broken at i ends with: "-", or nothing after the word's own hyphen. */
export function hyphenAfter(chars, i) { return i > 0 && chars[i - 1] === '-' ? '' : '-'; }

function segment(all) {
  // Punctuation around the word ("(Fastighetskontoret?)") is not part of it.
  let lead = 0, trail = all.length;
  while (lead < trail && !/\p{L}/u.test(all[lead])) lead++;
  while (trail > lead && !/\p{L}/u.test(all[trail - 1])) trail--;
  const b = core(all.slice(lead, trail));
  return { joints: b.joints.map((i) => i + lead), syllables: b.syllables.map((i) => i + lead) };
}

function core(w) {
  const out = { joints: [], syllables: [] };
  // As Go's unicode.ToLower: one code point for one (İ → i).
  const low = w.map((c) => Array.from(c.toLowerCase())[0]);
  const n = w.length;
  if (n < rules.minLeft + rules.minRight) return out;
  if (!low.every((c) => /\p{L}/u.test(c))) return out;
  const ok = (i) => i >= rules.minLeft && n - i >= rules.minRight;
  // Where parts begin, even too near an end to break there ("ut|släpp"):
  // the syllable rule must not break such a cluster elsewhere.
  const parts = [];
  for (const p of rules.parts) {
    for (let i = 1; i + p.length <= n; i++) {
      if (!eq(low, i, p)) continue;
      parts.push(i);
      if (ok(i) && !out.joints.includes(i)) out.joints.push(i);
    }
  }
  out.joints.sort((a, c) => a - c);
  const vowel = (i) => rules.vowels.includes(low[i]);
  const all = [...out.joints];
  for (let i = 0; i < n; i++) {
    if (!vowel(i)) continue;
    const start = i + 1;
    let end = start;
    while (end < n && !vowel(end)) end++;
    if (end === start || end === n) { i = end - 1; continue; }
    if (!parts.some((j) => j >= start && j <= end)) {
      let at = end - 1;
      for (const g of rules.together) {
        for (let j = Math.max(start, at - g.length + 1); j < at && j + g.length <= end; j++) {
          if (eq(low, j, g)) at = j > start ? j : j + g.length;
        }
      }
      if (ok(at) && !all.includes(at)) all.push(at);
    }
    i = end - 1;
  }
  all.sort((a, c) => a - c);
  out.syllables = all;
  return out;
}

/** The word with "-" at its joints and "·" at its other breaks (the examples' notation). */
export function mark(word) {
  const b = breaks(word);
  const w = Array.from(word);
  return w.map((c, i) => (i > 0 && w[i - 1] === '-' ? '' : b.joints.includes(i) ? '-' : b.syllables.includes(i) ? '·' : '') + c).join('');
}
