// The board page's toolbar and the commands behind it: create an object
// at a free spot near the view centre, link, undo, redo, delete, vote.
import { t } from '../i18n.js';
import { $, h, clear, announce, toast } from '../util.js';
import { textOf, bounds, intersects, laneBands, laneAt, NODE_KINDS, DEFAULT_SIZE, EVENT_R, LANE_HEADER } from '../model.js';

// Phases in which a workshop decides actions: the process map's and the
// goal workshop's (board.TemplatePhases).
const ACTION_PHASES = ['Åtgärder', 'Prioritera'];
import {
  iconNote, iconStep, iconDecision, iconStart, iconEnd, iconGoal, iconAction, iconFrame, iconLane,
  iconMarquee, iconLink, iconUndo, iconRedo, iconDelete,
} from './icons.js';

/**
 * Builds the toolbar and returns its commands, which the shortcuts share.
 * getOutline returns the outline view (made after the toolbar).
 */
export function setupToolbar(ctx, getOutline) {
  const { client, editor, canvas } = ctx;
  const tools = [
    { id: 'note', key: 'N', icon: iconNote },
    { id: 'step', key: 'S', icon: iconStep },
    { id: 'decision', key: 'D', icon: iconDecision },
    { id: 'event-start', key: 'E', icon: iconStart },
    { id: 'event-end', key: 'Shift+E', icon: iconEnd },
    { id: 'goal', key: 'G', icon: iconGoal },
    { id: 'action', key: 'A', icon: iconAction },
    { id: 'frame', key: 'F', icon: iconFrame },
    { id: 'lane', key: 'L', icon: iconLane },
    null,
    { id: 'marquee', toggle: true, icon: iconMarquee },
    { id: 'link', key: 'K', icon: iconLink },
    null,
    { id: 'undo', key: 'Control+Z', icon: iconUndo },
    { id: 'redo', key: 'Control+Shift+Z', icon: iconRedo },
    { id: 'delete', key: 'Delete', icon: iconDelete },
  ];
  const toolbar = $('#toolbar');
  const toolButtons = new Map();
  function buildToolbar() {
    clear(toolbar);
    toolButtons.clear();
    for (const tool of tools) {
      if (!tool) { toolbar.append(h('span', { class: 'tool-sep', role: 'separator' })); continue; }
      const short = t(`tool.${tool.id}.short`);
      let name = t(`tool.${tool.id}`);
      // WCAG 2.5.3: the visible text must be part of the accessible name.
      const words = name.toLowerCase().split(/[^\p{L}\p{N}]+/u);
      if (!short.toLowerCase().split(/\s+/).every((w) => words.includes(w))) name = `${short}: ${name.charAt(0).toLowerCase()}${name.slice(1)}`;
      const keyText = tool.key ? ` (${tool.key.replace('Control', 'Ctrl')})` : '';
      const b = h('button', {
        type: 'button', class: 'tool', 'data-tool': tool.id, tabindex: -1,
        'aria-label': name + keyText, title: name + keyText, 'aria-keyshortcuts': tool.key || undefined,
        onclick: () => runTool(tool.id),
      }, tool.icon(), h('span', { class: 'tool-text', 'aria-hidden': 'true' }, short));
      if (tool.toggle) b.setAttribute('aria-pressed', String(canvas.marqueeMode));
      toolButtons.set(tool.id, b);
      toolbar.append(b);
    }
    const first = toolbar.querySelector('button');
    if (first) first.tabIndex = 0;
    updateToolbar();
  }
  toolbar.addEventListener('keydown', (e) => {
    const btns = [...toolbar.querySelectorAll('button')];
    const i = btns.indexOf(document.activeElement);
    if (i < 0) return;
    let j = -1;
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight') j = (i + 1) % btns.length;
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') j = (i - 1 + btns.length) % btns.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = btns.length - 1;
    if (j < 0) return;
    e.preventDefault();
    btns.forEach((b, k) => { b.tabIndex = k === j ? 0 : -1; });
    btns[j].focus();
  });

  function updateToolbar() {
    const can = client.canEdit();
    for (const [id, b] of toolButtons) {
      let dis = !can && !['marquee'].includes(id);
      if (id === 'undo') dis = dis || !editor.canUndo();
      if (id === 'redo') dis = dis || !editor.canRedo();
      if (id === 'delete') dis = dis || !editor.selection.size;
      if (id === 'link') dis = dis || editor.selection.size !== 2;
      b.setAttribute('aria-disabled', String(dis));
      b.classList.toggle('disabled', dis);
    }
    // The phases where a workshop decides actions offer the action tool.
    const offered = ACTION_PHASES.includes(client.settings?.phase);
    toolButtons.get('action')?.classList.toggle('offered', offered);
  }

  /**
   * The centre of a free spot near the view centre for a new object of
   * kind: the nearest place, searched outwards in rings, where its box
   * (with a margin) touches no other object and not a lane's header column.
   */
  function spot(kind) {
    const c = canvas.center();
    if (kind === 'lane' || kind === 'frame') return c;
    const d = kind === 'event' ? { w: 2 * EVENT_R, h: 2 * EVENT_R } : DEFAULT_SIZE[kind] || { w: 200, h: 100 };
    const objs = canvas.effMap();
    const boxes = [];
    for (const o of objs.values()) {
      if (!NODE_KINDS.includes(o.kind)) continue;
      const b = bounds(o, objs);
      if (b) boxes.push(b);
    }
    const inLanes = laneBands(objs).length > 0;
    const m = 24;
    const free = (x, y) => {
      const r = { x: x - d.w / 2 - m, y: y - d.h / 2 - m, w: d.w + 2 * m, h: d.h + 2 * m };
      if (inLanes && r.x < LANE_HEADER && laneAt(laneBands(objs), x, y)) return false;
      return !boxes.some((b) => intersects(r, b));
    };
    const step = 40;
    for (let ring = 0; ring < 40; ring++) {
      const cands = [];
      for (let i = -ring; i <= ring; i++) {
        for (let j = -ring; j <= ring; j++) {
          if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
          cands.push({ x: c.x + i * step, y: c.y + j * step });
        }
      }
      cands.sort((a, b) => Math.hypot(a.x - c.x, a.y - c.y) - Math.hypot(b.x - c.x, b.y - c.y));
      const hit = cands.find((p) => free(p.x, p.y));
      if (hit) return hit;
    }
    return c;
  }

  function create(kind, extra = {}) {
    if (!client.canEdit()) { announce(t('announce.readOnly'), true); return; }
    const p = spot(kind);
    const id = editor.create(kind, p.x, p.y, extra);
    if (!id) return;
    const o = client.objects.get(id);
    announce(t('announce.created', { kind: t(`kind.${kind === 'event' ? `event.${o.variant}` : kind}`) }));
    const outline = getOutline();
    if (outline.visible) { outline.focusItem(id); return; }
    requestAnimationFrame(() => { canvas.focusObject(id); canvas.startEdit(id); });
  }

  /**
   * A new action: for the selected goal area (or the one given), under
   * its goal card and any actions already there; else at a free spot.
   */
  function createAction(goalId) {
    if (!client.canEdit()) { announce(t('announce.readOnly'), true); return; }
    const sel = [...editor.selection].map((id) => client.objects.get(id)).filter(Boolean);
    const goal = client.objects.get(goalId || '') || (sel.length === 1 && sel[0].kind === 'goal' ? sel[0] : null)
      || (sel.length === 1 && sel[0].kind === 'action' ? client.objects.get(sel[0].goal) : null);
    if (!goal || goal.kind !== 'goal') { create('action'); return; }
    const gb = bounds(goal);
    let y = gb ? gb.y + gb.h + 30 : 0;
    if (gb) {
      for (const o of client.objects.values()) {
        const b = o.kind === 'action' && o.goal === goal.id && bounds(o);
        if (b && Math.abs(b.x - gb.x) < gb.w) y = Math.max(y, b.y + b.h + 20);
      }
    }
    const x = gb ? gb.x : canvas.center().x - 180;
    const id = editor.create('action', x + DEFAULT_SIZE.action.w / 2, y + DEFAULT_SIZE.action.h / 2, { goal: goal.id });
    if (!id) return;
    announce(t('action.created', { goal: goal.title || t('label.untitled') }));
    const outline = getOutline();
    if (outline.visible) { outline.focusItem(id); return; }
    requestAnimationFrame(() => { canvas.focusObject(id); canvas.startEdit(id); });
  }

  function runTool(id) {
    const b = toolButtons.get(id);
    if (b && b.getAttribute('aria-disabled') === 'true') {
      if (!client.canEdit()) announce(t('announce.readOnly'), true);
      return;
    }
    switch (id) {
      case 'note': case 'step': case 'decision': case 'goal': case 'frame': case 'lane': create(id); break;
      case 'action': createAction(); break;
      case 'event-start': create('event', { variant: 'start' }); break;
      case 'event-end': create('event', { variant: 'end' }); break;
      case 'marquee':
        canvas.marqueeMode = !canvas.marqueeMode;
        b.setAttribute('aria-pressed', String(canvas.marqueeMode));
        announce(t(canvas.marqueeMode ? 'announce.marqueeOn' : 'announce.marqueeOff'));
        break;
      case 'link': linkSelected(); break;
      case 'undo': undo(); break;
      case 'redo': redo(); break;
      case 'delete': deleteSelection(); break;
      default:
    }
  }

  function undo() {
    const r = editor.undo();
    announce(r ? t('announce.undone') : t('announce.nothingToUndo'));
  }
  function redo() {
    const r = editor.redo();
    announce(r ? t('announce.redone') : t('announce.nothingToRedo'));
  }
  function deleteSelection() {
    const n = editor.selection.size;
    if (!n) return;
    if (editor.deleteSelection()) announce(t('announce.deleted', { n }));
    canvas.svg.focus();
  }
  function linkSelected() {
    const ids = [...editor.selection];
    if (ids.length !== 2) { announce(t('announce.linkNeedsTwo'), true); return; }
    const [a, b] = ids.map((id) => client.objects.get(id));
    if (!a || !b || a.kind === 'link' || b.kind === 'link' || a.kind === 'lane' || b.kind === 'lane') { announce(t('announce.linkNeedsTwo'), true); return; }
    if (editor.link(a.id, b.id)) announce(t('announce.linked', { from: textOf(a) || t('label.empty'), to: textOf(b) || t('label.empty') }));
  }

  function vote(target, delta) {
    const v = client.votes;
    const o = client.objects.get(target);
    if (!v || !v.open) { announce(t('vote.closed'), true); return; }
    if (!o || !(v.kinds || []).includes(o.kind)) { announce(t('vote.notVotable'), true); return; }
    // Said where it is seen, not only to a screen reader.
    if (delta > 0 && v.dotsLeft <= 0) { toast(t('vote.noneLeftHelp'), 'error'); return; }
    if (delta < 0 && !(v.mine && v.mine[target])) { announce(t('vote.noneHere'), true); return; }
    client.vote(target, delta);
    const nv = client.votes;
    announce(t(delta > 0 ? 'vote.placed' : 'vote.taken', { text: textOf(o) || t('label.empty'), left: nv?.dotsLeft ?? 0 }));
  }
  canvas.addEventListener('vote', (e) => vote(e.detail.target, e.detail.delta));


  return { toolbar, buildToolbar, updateToolbar, create, createAction, undo, redo, deleteSelection, linkSelected, vote };
}
