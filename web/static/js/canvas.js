// The board canvas: an SVG with pan and zoom, one <g data-id data-kind> per
// object, overlays for selection, handles, votes and other people's cursors,
// pointer and keyboard input, and in-place text editing.
//
// The Canvas class holds the state and wires the events; its methods live
// in one module per concern under canvas/ and are copied onto its
// prototype below.
import { s, clear } from './util.js';
import { CanvasView } from './canvas/view.js';
import { CanvasDrawing } from './canvas/draw.js';
import { CanvasOverlay } from './canvas/overlay.js';
import { CanvasPointers } from './canvas/pointer.js';
import { CanvasKeyboard } from './canvas/keyboard.js';
import { CanvasEditing } from './canvas/edit.js';

export class Canvas extends EventTarget {
  constructor({ wrap, svg, textarea, editor, client }) {
    super();
    this.wrap = wrap;
    this.svg = svg;
    this.textarea = textarea;
    this.editor = editor;
    this.client = client;
    this.view = { x: 40, y: 40, s: 0.5 };
    this.els = new Map();
    this.transient = new Map(); // id → props overriding the view while dragging
    this.focusedId = null;
    this.editing = null; // {id, prop, original}
    this.marqueeMode = false;
    this.pointers = new Map();
    this.gesture = null;
    this.pendingFrame = 0;
    this.dirtyAll = true;
    this.dirtyKinds = new Set();
    this.votable = new Set();
    this.build();
    this.bind();
  }

  // ------------------------------------------------------------------ setup

  build() {
    const svg = this.svg;
    clear(svg);
    const defs = s('defs', {},
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#334155' })),
      s('marker', { id: 'arrow-sel', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#1d4ed8' })));
    this.bg = s('rect', { class: 'canvas-bg', x: 0, y: 0, width: '100%', height: '100%' });
    this.viewport = s('g', { class: 'viewport' });
    this.gLanes = s('g', { class: 'layer-lanes' });
    this.gFrames = s('g', { class: 'layer-frames' });
    this.gLinks = s('g', { class: 'layer-links' });
    this.gNodes = s('g', { class: 'layer-nodes' });
    this.gOverlay = s('g', { class: 'layer-overlay' });
    this.gScreen = s('g', { class: 'layer-screen', 'aria-hidden': 'true' });
    this.viewport.append(this.gLanes, this.gFrames, this.gLinks, this.gNodes, this.gOverlay);
    svg.append(defs, this.bg, this.viewport, this.gScreen);
    this.applyView();
  }

  bind() {
    const svg = this.svg;
    svg.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    svg.addEventListener('pointermove', (e) => this.onPointerMove(e));
    svg.addEventListener('pointerup', (e) => this.onPointerUp(e));
    svg.addEventListener('pointercancel', (e) => this.onPointerUp(e, true));
    svg.addEventListener('pointerleave', () => this.client.setPresence({ cursor: null }));
    svg.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    svg.addEventListener('dblclick', (e) => this.onDblClick(e));
    svg.addEventListener('keydown', (e) => this.onKey(e));
    svg.addEventListener('focusin', (e) => this.onFocusIn(e));
    svg.addEventListener('focusout', () => setTimeout(() => this.onFocusOut(), 0));
    svg.addEventListener('contextmenu', (e) => { if (e.target.closest('[data-id]')) e.preventDefault(); });
    this.textarea.addEventListener('keydown', (e) => this.onEditorKey(e));
    this.textarea.addEventListener('blur', () => this.commitEdit());
    new ResizeObserver(() => this.renderScreen()).observe(this.wrap);
    // The wrapper clips; never let the browser scroll it (e.g. to show the editor).
    this.wrap.addEventListener('scroll', () => { this.wrap.scrollLeft = 0; this.wrap.scrollTop = 0; });
    const c = this.client;
    c.addEventListener('change', (e) => { this.invalidate(e.detail.ids); this.watchEditing(); });
    c.addEventListener('presence', () => { this.renderScreen(); this.watchEditing(); this.overlaySoon(); });
    // Votes change only the labels of votable objects (and the overlay).
    c.addEventListener('votes', () => {
      const v = this.client.votes;
      for (const k of (v && v.kinds) || []) this.dirtyKinds.add(k);
      for (const k of this.votable) this.dirtyKinds.add(k);
      this.invalidate();
    });
    c.addEventListener('settings', () => this.invalidate(null));
    // Names and colours of others (on a large board asked for, arriving later).
    c.addEventListener('participants', () => { this.renderScreen(); this.overlaySoon(); });
    // A redraw also re-marks selected links; unchanged objects are skipped.
    this.editor.addEventListener('selection', () => this.invalidate());
  }

  /** Redraws the overlay (others' selections) once in the next frame. */
  overlaySoon() {
    if (this.overlayFrame) return;
    this.overlayFrame = requestAnimationFrame(() => { this.overlayFrame = 0; this.renderOverlay(); });
  }

}

for (const part of [CanvasView, CanvasDrawing, CanvasOverlay, CanvasPointers, CanvasKeyboard, CanvasEditing]) {
  for (const name of Object.getOwnPropertyNames(part.prototype)) {
    if (name !== 'constructor') Object.defineProperty(Canvas.prototype, name, Object.getOwnPropertyDescriptor(part.prototype, name));
  }
}
