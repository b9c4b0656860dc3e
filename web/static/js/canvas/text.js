// Text on the canvas: measuring, wrapping into lines of a width, and SVG
// text blocks.
import { s } from '../util.js';

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

let measureCtx = null;
export function measure(text, px, weight) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = `${weight || 400} ${px}px ${FONT}`;
  return measureCtx.measureText(text).width;
}

const wrapCache = new Map();

/** Wraps text into at most maxLines lines of width ≤ width (ellipsis when cut). Cached. */
export function wrapText(text, width, px, maxLines, weight) {
  const key = `${width}|${px}|${maxLines}|${weight || ''}|${text || ''}`;
  let lines = wrapCache.get(key);
  if (lines) return lines;
  lines = wrapUncached(text, width, px, maxLines, weight);
  if (wrapCache.size > 20000) wrapCache.clear();
  wrapCache.set(key, lines);
  return lines;
}

function wrapUncached(text, width, px, maxLines, weight) {
  const lines = [];
  for (const para of String(text || '').split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const test = line ? `${line} ${word}` : word;
      if (measure(test, px, weight) <= width) { line = test; continue; }
      if (line) lines.push(line);
      // a word longer than the line: break it
      let w = word;
      while (measure(w, px, weight) > width && w.length > 1) {
        let n = w.length - 1;
        while (n > 1 && measure(`${w.slice(0, n)}-`, px, weight) > width) n--;
        lines.push(`${w.slice(0, n)}-`);
        w = w.slice(n);
      }
      line = w;
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
