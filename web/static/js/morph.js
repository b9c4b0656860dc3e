// Updating the side panel in place. A panel renders its whole content as new
// nodes, as before, and patch() makes the live DOM look like them while
// keeping every element that is still there: a button under a pressed mouse
// button stays the same element (so the click lands), the focused control
// keeps the focus, what the user typed stays, and content that renders the
// same changes nothing at all. RenderQueue coalesces the renders that
// messages ask for to one per animation frame and holds them while a pointer
// is down in the panel.
import { takeHandlers } from './util.js';

// Siblings are matched by the first of these attributes they carry, then by
// position and tag.
const KEYS = ['id', 'data-key', 'data-tab', 'data-participant', 'data-target'];

function keyOf(n) {
  if (n.nodeType !== 1) return null;
  for (const a of KEYS) {
    const v = n.getAttribute(a);
    if (v) return `${a}=${v}`;
  }
  return null;
}

function sameKind(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  return a.nodeName !== 'INPUT' || a.type === b.type;
}

const CONTROLS = 'input, select, textarea';

/**
 * Remembers what was rendered into the form controls under node (and node
 * itself), so that a later render changes a control only when the rendered
 * value changed, not because the user has typed or chosen something else.
 */
function stamp(node) {
  if (node.nodeType !== 1) return;
  const list = node.matches(CONTROLS) ? [node] : [];
  for (const c of node.querySelectorAll(CONTROLS)) list.push(c);
  for (const c of list) c._rendered = { value: c.value, checked: c.checked };
}

function syncControl(old, nu) {
  const r = old._rendered || (old._rendered = { value: old.value, checked: old.checked });
  const props = old.nodeName === 'INPUT' && (old.type === 'checkbox' || old.type === 'radio') ? ['checked', 'value'] : ['value'];
  for (const p of props) {
    const want = nu[p];
    if (want === r[p]) continue; // rendered as before: keep what the user did
    if (old === document.activeElement) continue; // being typed in: later
    old[p] = want;
    r[p] = want;
  }
}

function syncStyle(old, nu) {
  // Through the CSSOM: the CSP forbids setting the style attribute.
  const os = old.style, ns = nu.style;
  if (!os || !ns || os.cssText === ns.cssText) return;
  for (let i = os.length - 1; i >= 0; i--) if (!ns.getPropertyValue(os[i])) os.removeProperty(os[i]);
  for (let i = 0; i < ns.length; i++) os.setProperty(ns[i], ns.getPropertyValue(ns[i]), ns.getPropertyPriority(ns[i]));
}

function morphNode(old, nu) {
  if (old.nodeType !== 1) {
    if (old.data !== nu.data) old.data = nu.data;
    return;
  }
  for (const a of [...old.attributes]) if (a.name !== 'style' && !nu.hasAttribute(a.name)) old.removeAttribute(a.name);
  for (const a of nu.attributes) if (a.name !== 'style' && old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
  syncStyle(old, nu);
  takeHandlers(old, nu);
  if (old.nodeName !== 'TEXTAREA') morphChildren(old, nu);
  if (old.matches(CONTROLS)) syncControl(old, nu);
}

/** Makes the children of old look like those of nu, reusing old's nodes where they match. */
export function morphChildren(old, nu) {
  const olds = [...old.childNodes];
  const news = [...nu.childNodes];
  const byKey = new Map();
  for (const c of olds) {
    const k = keyOf(c);
    if (k && !byKey.has(k)) byKey.set(k, c);
  }
  const newKeys = new Set(news.map(keyOf).filter(Boolean));
  const used = new Set();
  const fresh = new Set();
  const want = [];
  let at = 0; // the next old child to match by position
  for (const n of news) {
    const k = keyOf(n);
    let m = k ? byKey.get(k) : null;
    if (m && (used.has(m) || !sameKind(m, n))) m = null;
    if (!m) {
      // An old child whose key lives on in the new children is kept for
      // that one; any other may take the place of a new one of its kind.
      while (at < olds.length && (used.has(olds[at]) || (keyOf(olds[at]) && newKeys.has(keyOf(olds[at]))))) at++;
      if (at < olds.length && sameKind(olds[at], n)) m = olds[at++];
    }
    if (m) {
      used.add(m);
      morphNode(m, n);
      want.push(m);
    } else {
      want.push(n);
      fresh.add(n);
    }
  }
  for (const c of olds) if (!used.has(c)) c.remove();
  // Move and insert only where the order differs: moving an element would
  // take the focus from it.
  want.forEach((c, i) => {
    const here = old.childNodes[i] || null;
    if (here === c) return;
    old.insertBefore(c, here);
    if (fresh.has(c)) stamp(c);
  });
}

/**
 * Replaces the content of el with children (nodes, arrays, strings) by
 * changing el in place. If the focused control inside el had to go, the
 * focus moves to the new control with the same data-key or id.
 */
export function patch(el, ...children) {
  const next = document.createElement('div');
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    next.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  const a = document.activeElement;
  const had = a && a !== el && el.contains(a) ? { key: a.getAttribute('data-key'), id: a.id } : null;
  morphChildren(el, next);
  if (had && !el.contains(document.activeElement)) {
    const again = (had.key && [...el.querySelectorAll('[data-key]')].find((e) => e.getAttribute('data-key') === had.key))
      || (had.id && [...el.querySelectorAll('[id]')].find((e) => e.id === had.id));
    if (again) again.focus({ preventScroll: true });
    else if (el.hasAttribute('tabindex')) el.focus({ preventScroll: true });
  }
}

/**
 * Runs render at most once per animation frame when asked to, and not while
 * a pointer is down in root: then once it is released (after its click), or
 * after maxHold ms at the latest (a native popup, such as a select's, may
 * keep the pointerup).
 */
export class RenderQueue {
  constructor(root, render, { raf = (f) => requestAnimationFrame(f), win = globalThis, timers = globalThis, maxHold = 3000 } = {}) {
    this.render = render;
    this.raf = raf;
    this.frame = null;
    this.wanted = false;
    this.held = false;
    let timer = null;
    const release = () => {
      timers.clearTimeout(timer);
      if (!this.held) return;
      this.held = false;
      if (this.wanted) this.schedule();
    };
    root.addEventListener('pointerdown', () => {
      this.held = true;
      timers.clearTimeout(timer);
      timer = timers.setTimeout(release, maxHold);
    }, true);
    win.addEventListener('pointerup', release, true);
    win.addEventListener('pointercancel', release, true);
    win.addEventListener('blur', release); // the window's own, not its elements'
  }

  /** Asks for a render (coalesced; held while a pointer is down). */
  request() {
    this.wanted = true;
    if (!this.held) this.schedule();
  }

  /** Renders now (for the user's own actions); a requested render is done by it. */
  now() {
    this.wanted = false;
    this.render();
  }

  schedule() {
    if (this.frame !== null) return;
    this.frame = this.raf(() => {
      this.frame = null;
      if (this.held || !this.wanted) return;
      this.wanted = false;
      this.render();
    });
  }
}
