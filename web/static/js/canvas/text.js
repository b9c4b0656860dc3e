// Text on the canvas: measuring, wrapping into lines of a width, and SVG
// text blocks.
import { s } from '../util.js';
import { breaks, haveRules, hyphenAfter } from '../hyphen.js';

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

let measureCtx = null;
export function measure(text, px, weight) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = `${weight || 400} ${px}px ${FONT}`;
  return measureCtx.measureText(text).width;
}

const wrapCache = new Map();

/**
 * Wraps text into at most maxLines lines of width ≤ width (ellipsis when
 * cut; maxLines may be Infinity). A word wider than a line is hyphenated
 * by the Swedish rules the PDF uses (hyphen.js): at a compound's joint if
 * one fits, else between syllables, and only as a last resort between
 * characters (then lines.broke is set). Cached.
 */
export function wrapText(text, width, px, maxLines, weight) {
  const key = `${width}|${px}|${maxLines}|${weight || ''}|${haveRules() ? 1 : 0}|${text || ''}`;
  let lines = wrapCache.get(key);
  if (lines) return lines;
  lines = wrapUncached(text, width, px, maxLines, weight);
  if (wrapCache.size > 20000) wrapCache.clear();
  wrapCache.set(key, lines);
  return lines;
}

/**
 * The largest size from maxPx down to minPx at which text wraps into
 * width with no word broken between characters, and its lines (unlimited:
 * the shape grows to hold them). {lines, px}
 */
export function fitText(text, width, maxPx, minPx, weight) {
  let px = maxPx;
  for (;;) {
    const lines = wrapText(text, width, px, Infinity, weight);
    // Shrinking a little reads better than a hyphen between syllables; a
    // compound's joint is fine as it is.
    if (!(lines.broke || lines.syllable) || px <= minPx) return { lines, px };
    px = Math.max(minPx, px - 1);
  }
}

/** Where to hyphenate word (code point index) so that its head and "-" fit width, or 0; and whether at a joint. */
function hyphenAt(chars, width, px, weight) {
  const b = breaks(chars.join(''));
  for (const list of [b.joints, b.syllables]) {
    for (let k = list.length - 1; k >= 0; k--) {
      if (measure(`${chars.slice(0, list[k]).join('')}${hyphenAfter(chars, list[k])}`, px, weight) <= width) return { at: list[k], joint: list === b.joints };
    }
  }
  return { at: 0 };
}

function wrapUncached(text, width, px, maxLines, weight) {
  const lines = [];
  let broke = false, syllable = false;
  for (const para of String(text || '').split('\n')) {
    let line = '';
    // A word written with hyphens ("energianvändning-rapport") may break
    // after them: its parts follow each other without a space.
    const pieces = [];
    for (const word of para.split(/\s+/).filter(Boolean)) {
      word.split(/(?<=\p{L}-)(?=\p{L})/u).forEach((p, i) => pieces.push({ p, glue: i > 0 }));
    }
    for (let pi = 0; pi < pieces.length; pi++) {
      const current = pieces[pi];
      const { p: word, glue } = current;
      const test = line ? `${line}${glue ? '' : ' '}${word}` : word;
      if (measure(test, px, weight) <= width) { line = test; continue; }
      if (line && !glue && measure(word, px, weight) > width) {
        // A word that must be broken anyway starts on this line when its
        // first part fits ("beställer en energi-" / "kartläggning").
        const sep = `${line} `;
        const hy = hyphenAt(Array.from(word), width - measure(sep, px, weight), px, weight);
        if (hy.at) {
          const chars = Array.from(word);
          lines.push(`${sep}${chars.slice(0, hy.at).join('')}${hyphenAfter(chars, hy.at)}`);
          if (!hy.joint) syllable = true;
          line = '';
          pieces.splice(pieces.indexOf(current) + 1, 0, { p: chars.slice(hy.at).join(''), glue: false });
          continue;
        }
      }
      if (line) lines.push(line);
      // A word longer than the line: hyphenate it where Swedish allows.
      let w = Array.from(word);
      while (measure(w.join(''), px, weight) > width && w.length > 1) {
        const hy = hyphenAt(w, width, px, weight);
        let n = hy.at;
        if (n && !hy.joint) syllable = true;
        if (!n) {
          broke = true;
          n = w.length - 1;
          while (n > 1 && measure(`${w.slice(0, n).join('')}-`, px, weight) > width) n--;
        }
        lines.push(`${w.slice(0, n).join('')}${hy.at ? hyphenAfter(w, n) : '-'}`);
        w = w.slice(n);
      }
      line = w.join('');
    }
    lines.push(line);
    if (lines.length > maxLines) break;
  }
  while (lines.length && lines[lines.length - 1] === '' && lines.length > 1) lines.pop();
  if (lines.length > maxLines) {
    lines.length = Math.max(1, maxLines);
    let last = lines[lines.length - 1];
    while (last && measure(`${last}…`, px, weight) > width) last = last.slice(0, -1);
    lines[lines.length - 1] = `${last}…`;
  }
  lines.broke = broke;
  lines.syllable = syllable;
  return lines;
}

/** An SVG <text> with the lines centred on (cx, cy) or starting at top-left when align='start'. */
export function textBlock(lines, x, y, px, { anchor = 'middle', valign = 'middle', weight, cls = 'obj-text', fill } = {}) {
  const lh = Math.round(px * 1.3);
  const y0 = valign === 'middle' ? y - ((lines.length - 1) * lh) / 2 : y + px;
  // The object's aria-label carries the full text; the drawn lines (which
  // may be hyphenated or cut short) are hidden from assistive technology.
  const el = s('text', { x, y: y0, 'font-size': px, 'text-anchor': anchor, class: cls, 'dominant-baseline': valign === 'middle' ? 'central' : 'auto', fill, 'aria-hidden': 'true' });
  if (weight) el.setAttribute('font-weight', weight);
  lines.forEach((line, i) => el.append(s('tspan', { x, y: y0 + i * lh }, line)));
  return el;
}
