// Small DOM and misc helpers shared by every page.

/** Creates an element: h('button', {class: 'x', onclick: f, 'aria-label': 'y'}, child...). */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

const SVGNS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes. */
export function s(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  setAttrs(e, attrs, true);
  append(e, children);
  return e;
}

function setAttrs(e, attrs, svg = false) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') on(e, k.slice(2), v);
    else if (k === 'class') e.setAttribute('class', v);
    else if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'style') throw new Error('inline style attributes are not allowed (CSP)');
    else if (!svg && k in e && typeof v !== 'string' && k !== 'role') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

// Handlers given to h() and s() go through one listener that calls the
// element's current handler (e._on[type]), so that morph() can hand an
// element that stays in the page the handlers of its newly rendered twin.
function dispatch(ev) {
  const f = this._on && this._on[ev.type];
  if (f) return f.call(this, ev);
  return undefined;
}

function on(e, type, f) {
  if (!e._on) e._on = {};
  if (!e._on[type]) e.addEventListener(type, dispatch);
  e._on[type] = f;
}

/** Gives el the handlers of the newly rendered twin (see dispatch). */
export function takeHandlers(el, twin) {
  const hs = twin._on || null;
  if (hs) for (const type of Object.keys(hs)) if (!el._on || !el._on[type]) el.addEventListener(type, dispatch);
  if (hs || el._on) el._on = hs ? { ...hs } : {};
}

function append(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Removes all children of e. */
export function clear(e) {
  while (e.firstChild) e.removeChild(e.firstChild);
  return e;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** A random UUID v4 (crypto.randomUUID is missing outside secure contexts). */
export function uuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') {
    try { return crypto.randomUUID(); } catch { /* not a secure context */ }
  }
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

let liveTimer = null;
/** Announces text to screen readers through the page's aria-live region (#live). */
export function announce(text, assertive = false) {
  const el = document.getElementById(assertive ? 'alert' : 'live');
  if (!el) return;
  // Clearing first makes the same text be read again.
  el.textContent = '';
  clearTimeout(liveTimer);
  liveTimer = setTimeout(() => { el.textContent = text; }, 30);
}

let toastTimer = null;
/** Shows a short visible message (and announces it). kind: 'info' | 'error'. */
export function toast(text, kind = 'info') {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div', { id: 'toast', class: 'toast', hidden: true });
    document.body.append(el);
  }
  el.textContent = text;
  el.className = `toast toast-${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === 'error' ? 8000 : 4000);
  announce(text, kind === 'error');
}

/** Calls f at most once per ms milliseconds, with a trailing call. */
export function throttle(f, ms) {
  let last = 0, timer = null, args = null;
  return (...a) => {
    args = a;
    const now = Date.now();
    const wait = last + ms - now;
    if (wait <= 0) {
      last = now;
      f(...args);
    } else if (!timer) {
      timer = setTimeout(() => { timer = null; last = Date.now(); f(...args); }, wait);
    }
  };
}

export function debounce(f, ms) {
  let timer = null;
  return (...a) => { clearTimeout(timer); timer = setTimeout(() => f(...a), ms); };
}

/** localStorage that never throws (private mode, quota). */
export const store = {
  get(k) { try { return localStorage.getItem(k); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(k, v); return true; } catch { return false; } },
  del(k) { try { localStorage.removeItem(k); } catch { /* ignore */ } },
};

export function tokenKey(boardId) { return `processkarta.token.${boardId}`; }

/** Saves a blob as a file through a temporary object URL. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return url;
}

/** File name from a Content-Disposition header (RFC 6266 filename* first). */
export function dispositionName(header, fallback) {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) { try { return decodeURIComponent(star[1].trim()); } catch { /* fall through */ } }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Colors for people, derived from their administration: all have ≥4.5:1 contrast with white text. */
export const PEOPLE_COLORS = ['#b91c1c', '#c2410c', '#a16207', '#4d7c0f', '#15803d', '#0f766e',
  '#0e7490', '#1d4ed8', '#4338ca', '#7e22ce', '#a21caf', '#be185d'];

export function colorFor(text) {
  let hsh = 2166136261;
  for (const ch of String(text || '').trim().toLowerCase()) {
    hsh ^= ch.codePointAt(0);
    hsh = Math.imul(hsh, 16777619);
  }
  return PEOPLE_COLORS[(hsh >>> 0) % PEOPLE_COLORS.length];
}

/**
 * Seconds left on a timer ({endsAt, seconds}) at the server time now (ms),
 * or null when no timer runs. It never exceeds the timer's length: our
 * estimate of the server clock runs behind by the latency of the welcome,
 * which would otherwise show 5:01 on a 5-minute timer.
 */
export function timerLeft(timer, now) {
  if (!timer || timer.endsAt === null || timer.endsAt === undefined) return null;
  let left = (timer.endsAt - now) / 1000;
  if (!Number.isFinite(left)) return null;
  const len = Number(timer.seconds);
  if (len > 0) left = Math.min(left, len);
  return Math.max(0, left);
}

/** A running timer as shown (m:ss, whole seconds rounded up), '' when it has run out, null without a timer. */
export function timerText(timer, now) {
  const left = timerLeft(timer, now);
  if (left === null) return null;
  return left > 0 ? clock(left) : '';
}

/** Formats seconds as m:ss (or h:mm:ss). */
export function clock(sec) {
  sec = Math.max(0, Math.ceil(sec));
  const hh = Math.floor(sec / 3600), mm = Math.floor((sec % 3600) / 60), ss = sec % 60;
  const p = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${p(mm)}:${p(ss)}` : `${mm}:${p(ss)}`;
}
