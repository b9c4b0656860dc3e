// Board page: wires the realtime client, the editor, the canvas, the
// outline, the side panel (properties, people, results, facilitation), the
// header (phase, timer, dots, connection) and the keyboard shortcuts.
import { t, applyI18n, initLangSwitch, onLang } from './i18n.js';
import { $, h, s, clear, store, tokenKey, announce, toast, clock, timerLeft } from './util.js';
import { BoardClient } from './realtime.js';
import { Editor } from './editor.js';
import { Canvas } from './canvas.js';
import { textOf, bounds, NODE_KINDS } from './model.js';
import { Inspector } from './inspector.js';
import { People } from './people.js';
import { Facilitation, Results } from './facilitator.js';
import { Outline } from './outline.js';
import { phaseName } from './labels.js';
import { patch, RenderQueue } from './morph.js';

const boardId = decodeURIComponent((location.pathname.match(/^\/b\/([^/]+)/) || [])[1] || '');
const token = boardId ? store.get(tokenKey(boardId)) : null;

applyI18n();
initLangSwitch($('#lang-switch'));

if (!boardId || !token) {
  sessionStorage.setItem('processkarta.joinMessage', t('join.needToken'));
  location.replace('/join');
} else {
  main();
}

function main() {
  const client = new BoardClient(boardId, token);
  const editor = new Editor(client);
  const canvas = new Canvas({ wrap: $('#canvas-wrap'), svg: $('#canvas'), textarea: $('#editor'), editor, client });
  const ctx = { client, editor, canvas, boardId, token };
  window.processkarta = ctx; // for debugging and end-to-end tests

  // ------------------------------------------------------------ toolbar
  const tools = [
    { id: 'note', key: 'N', icon: iconNote },
    { id: 'step', key: 'S', icon: iconStep },
    { id: 'decision', key: 'D', icon: iconDecision },
    { id: 'event-start', key: 'E', icon: iconStart },
    { id: 'event-end', key: 'Shift+E', icon: iconEnd },
    { id: 'goal', key: 'G', icon: iconGoal },
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
  }

  /** A free spot near the view centre for a new object. */
  function spot() {
    const c = canvas.center();
    let x = c.x, y = c.y;
    for (let i = 0; i < 20; i++) {
      const taken = [...client.objects.values()].some((o) => {
        const b = NODE_KINDS.includes(o.kind) && bounds(o);
        return b && Math.abs(b.x + b.w / 2 - x) < 12 && Math.abs(b.y + b.h / 2 - y) < 12;
      });
      if (!taken) break;
      x += 24; y += 24;
    }
    return { x, y };
  }

  function create(kind, extra = {}) {
    if (!client.canEdit()) { announce(t('announce.readOnly'), true); return; }
    const p = spot();
    const id = editor.create(kind, p.x, p.y, extra);
    if (!id) return;
    const o = client.objects.get(id);
    announce(t('announce.created', { kind: t(`kind.${kind === 'event' ? `event.${o.variant}` : kind}`) }));
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
    if (delta > 0 && v.dotsLeft <= 0) { announce(t('reject.no_dots_left'), true); return; }
    if (delta < 0 && !(v.mine && v.mine[target])) { announce(t('vote.noneHere'), true); return; }
    client.vote(target, delta);
    const nv = client.votes;
    announce(t(delta > 0 ? 'vote.placed' : 'vote.taken', { text: textOf(o) || t('label.empty'), left: nv?.dotsLeft ?? 0 }));
  }
  canvas.addEventListener('vote', (e) => vote(e.detail.target, e.detail.delta));

  // ---------------------------------------------------------- shortcuts
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented) return;
    const tg = e.target;
    if (tg.closest && tg.closest('input, textarea, select, [contenteditable], dialog')) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    const inOutline = outline.visible && tg.closest && tg.closest('#outline');
    if (ctrl && k === 'z' && !e.shiftKey) { e.preventDefault(); undo(); return; }
    if (ctrl && ((k === 'z' && e.shiftKey) || k === 'y')) { e.preventDefault(); redo(); return; }
    if (inOutline) return;
    if (ctrl && k === 'c') { const n = editor.copy(); if (n) { e.preventDefault(); announce(t('announce.copied', { n })); } return; }
    if (ctrl && k === 'x') { const n = editor.copy(); if (n) { e.preventDefault(); deleteSelection(); } return; }
    if (ctrl && k === 'v') { e.preventDefault(); if (!client.canEdit()) { announce(t('announce.readOnly'), true); return; } const n = editor.paste(); if (n) announce(t('announce.pasted', { n })); return; }
    if (ctrl && k === 'd') { e.preventDefault(); if (!client.canEdit()) return; const n = editor.duplicate(); if (n) announce(t('announce.duplicated', { n })); return; }
    if (ctrl && k === 'a') {
      if (!canvas.svg.contains(tg) && tg !== document.body) return;
      e.preventDefault();
      editor.select([...client.objects.values()].filter((o) => o.kind !== 'lane' && o.kind !== 'link').map((o) => o.id));
      announce(t('announce.selected', { n: editor.selection.size }));
      return;
    }
    if (ctrl || e.altKey) return;
    if (e.key === 'Delete' || e.key === 'Backspace') { if (editor.selection.size) { e.preventDefault(); deleteSelection(); } return; }
    if (e.key === '?') { e.preventDefault(); showHelp(); return; }
    // single-letter shortcuts: only from the canvas, the toolbar or the page itself
    if (!(canvas.svg.contains(tg) || toolbar.contains(tg) || tg === document.body)) return;
    const focused = canvas.focusedId;
    switch (k) {
      case 'n': e.preventDefault(); create('note'); break;
      case 's': e.preventDefault(); create('step'); break;
      case 'd': e.preventDefault(); create('decision'); break;
      case 'e': e.preventDefault(); create('event', { variant: e.shiftKey ? 'end' : 'start' }); break;
      case 'g': e.preventDefault(); create('goal'); break;
      case 'f': e.preventDefault(); create('frame'); break;
      case 'l': e.preventDefault(); create('lane'); break;
      case 'k': e.preventDefault(); linkSelected(); break;
      case 'v': if (focused) { e.preventDefault(); vote(focused, e.shiftKey ? -1 : 1); } break;
      case ']': e.preventDefault(); editor.toFront(); break;
      case '[': e.preventDefault(); editor.toBack(); break;
      default:
    }
  });

  editor.addEventListener('history', updateToolbar);
  editor.addEventListener('selection', updateToolbar);

  // --------------------------------------------------------- zoom bar
  $('#zoom-in').addEventListener('click', () => canvas.zoomBy(1.25));
  $('#zoom-out').addEventListener('click', () => canvas.zoomBy(0.8));
  $('#zoom-fit').addEventListener('click', () => canvas.fit());
  canvas.addEventListener('view', () => { $('#zoom-level').textContent = `${Math.round(canvas.view.s * 100)} %`; });

  // ------------------------------------------------------------ outline
  const outline = new Outline($('#outline'), ctx);
  $('#btn-outline').addEventListener('click', () => toggleOutline());
  function toggleOutline(on = !outline.visible) {
    if (on) outline.show(); else outline.hide();
    $('#canvas-wrap').hidden = on;
    $('#btn-outline').setAttribute('aria-pressed', String(on));
    announce(t(on ? 'announce.outlineOn' : 'announce.outlineOff'));
    if (!on) requestAnimationFrame(() => canvas.svg.focus());
  }

  // -------------------------------------------------------------- panel
  const panel = $('#panel');
  const tabs = [
    { id: 'inspect', make: (el) => new Inspector(el, ctx) },
    { id: 'people', make: (el) => new People(el, ctx) },
    { id: 'results', make: (el) => new Results(el, ctx), when: () => client.isFacilitator() || !!(client.votes && client.votes.tallies && Object.keys(client.votes.tallies).length) },
    { id: 'facil', make: (el) => new Facilitation(el, ctx), when: () => client.isFacilitator() },
  ];
  const views = new Map();
  let activeTab = store.get('processkarta.tab') || 'inspect';
  // Messages (settings, votes, participants, changes) ask for the panel to
  // be rendered through this queue: once per animation frame at most, and
  // not while a pointer is down in the panel, so that a click is never lost
  // because its button changed between mousedown and mouseup. The tabs and
  // the views are patched in place (morph.js): the focus, what is being
  // typed and the scroll position stay, and identical content changes
  // nothing.
  const panelQueue = new RenderQueue(panel, buildTabs);
  ctx.requestPanel = () => { if (!panel.hidden) panelQueue.request(); };
  function buildTabs() {
    if (panel.hidden) return;
    const visible = tabs.filter((tb) => !tb.when || tb.when());
    if (!visible.find((tb) => tb.id === activeTab)) activeTab = visible[0].id;
    patch($('#panel-tabs'), visible.map((tb) => {
      const sel = tb.id === activeTab;
      return h('button', {
        type: 'button', role: 'tab', id: `tab-${tb.id}`, 'aria-selected': String(sel), 'aria-controls': `tabpanel-${tb.id}`,
        tabindex: sel ? 0 : -1, onclick: () => selectTab(tb.id), 'data-tab': tb.id,
      }, t(`panel.${tb.id}`));
    }));
    const body = $('#panel-body');
    for (const tb of tabs) {
      let v = views.get(tb.id);
      const show = visible.includes(tb) && tb.id === activeTab;
      if (!v && show) {
        const el = h('div', { role: 'tabpanel', id: `tabpanel-${tb.id}`, 'aria-labelledby': `tab-${tb.id}`, class: 'tabpanel', tabindex: -1 });
        body.append(el);
        v = { el, view: tb.make(el) };
        views.set(tb.id, v);
      }
      if (v) {
        if (v.el.hidden !== !show) v.el.hidden = !show;
        if (show) v.view.render();
      }
    }
  }
  function selectTab(id) { activeTab = id; store.set('processkarta.tab', id); panelQueue.now(); $(`#tab-${id}`)?.focus(); }
  $('#panel-tabs').addEventListener('keydown', (e) => {
    const btns = [...$('#panel-tabs').querySelectorAll('[role=tab]')];
    const i = btns.indexOf(document.activeElement);
    if (i < 0) return;
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % btns.length;
    if (e.key === 'ArrowLeft') j = (i - 1 + btns.length) % btns.length;
    if (e.key === 'Home') j = 0;
    if (e.key === 'End') j = btns.length - 1;
    if (j >= 0) { e.preventDefault(); selectTab(btns[j].dataset.tab); }
  });
  function setPanel(open) {
    panel.hidden = !open;
    document.body.classList.toggle('panel-open', open);
    $('#btn-panel').setAttribute('aria-expanded', String(open));
    store.set('processkarta.panel', open ? '1' : '0');
    if (open) panelQueue.now();
  }
  $('#btn-panel').addEventListener('click', () => { setPanel(panel.hidden); if (!panel.hidden) $('#panel-tabs [aria-selected=true]')?.focus(); });
  $('#panel-close').addEventListener('click', () => { setPanel(false); $('#btn-panel').focus(); });
  const wide = matchMedia('(min-width: 900px)').matches;
  setPanel(store.get('processkarta.panel') ? store.get('processkarta.panel') === '1' && wide : wide);

  // ------------------------------------------------------------- header
  const conn = $('#conn');
  function renderConn() {
    const st = client.status;
    const n = client.pending.length;
    conn.dataset.state = st;
    let text = t(`conn.${st}`);
    if (n && st !== 'online') text += ` · ${t('conn.pending', { n })}`;
    $('#conn-text').textContent = text;
    conn.title = st === 'closed' || st === 'offline' ? t('conn.retryHint') : '';
    conn.setAttribute('aria-label', `${t('conn.label')}: ${text}${conn.title ? `. ${conn.title}` : ''}`);
  }
  conn.addEventListener('click', () => { if (client.status !== 'online') client.reconnect(); });
  let lastStatus = null;
  client.addEventListener('status', () => {
    renderConn();
    const st = client.status;
    if (st !== lastStatus && (st === 'online' || st === 'offline' || st === 'closed') && lastStatus !== null) announce(t(`conn.${st}`));
    lastStatus = st;
  });

  function renderHeader() {
    const b = client.board;
    $('#board-title').textContent = b?.title || t('board.pageTitle');
    document.title = `${b?.title ? `${b.title} – ` : ''}Processkarta`;
    const st = client.settings;
    const ph = $('#phase');
    if (st && st.phase) { ph.hidden = false; ph.textContent = `${t('phase.label')}: ${phaseName(st.phase)}`; } else ph.hidden = true;
    renderDots();
    renderBanner();
    renderTimer();
    updateToolbar();
    renderConn();
  }

  function renderDots() {
    const v = client.votes;
    const d = $('#dots');
    if (v && v.open && client.me?.role !== 'observer') {
      d.hidden = false;
      d.textContent = t('vote.dotsLeft', { n: v.dotsLeft ?? 0, of: v.dots ?? 0 });
    } else d.hidden = true;
  }

  function renderBanner() {
    const bn = $('#banner');
    const st = client.settings;
    const msgs = [];
    if (client.me?.role === 'observer') msgs.push(t('banner.observer'));
    else if (st?.locked && !client.isFacilitator()) msgs.push(t('banner.locked'));
    else if (st?.locked) msgs.push(t('banner.lockedFacilitator'));
    const v = client.votes;
    if (v && v.open) msgs.push(t(v.hidden ? 'banner.votingHidden' : 'banner.voting', { n: v.dots, kinds: (v.kinds || []).map((k) => t(`kind.${k}.plural`)).join(', ') }));
    bn.hidden = !msgs.length;
    bn.textContent = msgs.join(' · ');
  }

  let timerEnd = null, timerAnnounced = null;
  function renderTimer() {
    const st = client.settings;
    const el = $('#timer');
    const end = st?.timer?.endsAt ?? null;
    const left = timerLeft(st?.timer, client.serverNow());
    if (left === null) { el.hidden = true; timerEnd = null; return; }
    if (end !== timerEnd) { timerEnd = end; timerAnnounced = null; }
    el.hidden = false;
    el.classList.toggle('timer-done', left <= 0);
    el.classList.toggle('timer-soon', left > 0 && left <= 30);
    const text = left > 0 ? clock(left) : t('timer.done');
    if (el.dataset.text !== text) {
      el.dataset.text = text;
      clear(el);
      el.append(s('svg', { viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' },
        s('circle', { cx: 12, cy: 13, r: 8, fill: 'none', stroke: 'currentColor', 'stroke-width': 2.2 }),
        s('path', { d: 'M12 13V9M9 2h6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2.2 })), text);
    }
    el.setAttribute('aria-label', left > 0 ? t('timer.left', { time: clock(left) }) : t('timer.done'));
    if (left <= 0 && timerAnnounced !== end) { timerAnnounced = end; announce(t('timer.done'), true); }
    if (left > 0 && left <= 60 && timerAnnounced === null && left > 59) announce(t('timer.oneMinute'));
  }
  setInterval(renderTimer, 250);

  // ---------------------------------------------------------- summons
  const focusKey = `processkarta.focusAt.${boardId}`;
  let firstSettings = true;
  function followFocus() {
    const f = client.settings?.focus;
    if (!f || !f.at) { firstSettings = false; return; }
    const seen = Number(sessionStorage.getItem(focusKey) || 0);
    if (f.at !== seen) {
      sessionStorage.setItem(focusKey, String(f.at));
      const recent = client.serverNow() - f.at < 120000;
      if (!firstSettings || recent) {
        if (outline.visible) toggleOutline(false);
        canvas.animateTo(f.x, f.y, f.zoom);
        if (!client.isFacilitator()) toast(t('summon.followed'));
      }
    }
    firstSettings = false;
  }

  // --------------------------------------------------------- events
  let prevPhase = null, prevVoteOpen = null, prevRole = null, fitted = false;
  client.addEventListener('welcome', () => {
    renderHeader();
    buildToolbar();
    ctx.requestPanel();
    if (!fitted) { fitted = true; requestAnimationFrame(() => canvas.fit(0.5)); }
  });
  client.addEventListener('settings', () => {
    const st = client.settings;
    if (!st) return;
    if (prevPhase !== null && st.phase !== prevPhase) announce(t('announce.phase', { phase: phaseName(st.phase) }));
    prevPhase = st.phase;
    renderHeader();
    followFocus();
    ctx.requestPanel();
  });
  client.addEventListener('votes', () => {
    const v = client.votes;
    if (v && prevVoteOpen !== null && v.open !== prevVoteOpen) announce(t(v.open ? 'announce.votingOpen' : 'announce.votingClosed'), true);
    prevVoteOpen = v ? v.open : null;
    renderDots();
    renderBanner();
    ctx.requestPanel();
  });
  client.addEventListener('participants', () => {
    if (client.me && prevRole !== null && client.me.role !== prevRole) {
      announce(t('announce.role', { role: t(`role.${client.me.role}`) }), true);
      buildToolbar();
    }
    prevRole = client.me?.role ?? null;
    renderHeader();
    ctx.requestPanel();
  });
  // Results and the goals in the facilitation panel show objects' texts.
  client.addEventListener('change', () => { if (activeTab === 'results' || activeTab === 'facil') ctx.requestPanel(); });
  client.addEventListener('reject', (e) => {
    const { code, message, type } = e.detail;
    const ours = t(`reject.${code}`);
    const text = `${t(type === 'vote' ? 'reject.voteTitle' : type === 'settings' ? 'reject.settingsTitle' : 'reject.title')} ${ours !== `reject.${code}` ? ours : message || code}`;
    toast(text, 'error');
  });
  client.addEventListener('closed', (e) => {
    const code = e.detail.code;
    if (code === 4401) {
      store.del(tokenKey(boardId));
      client.forget();
      sessionStorage.setItem('processkarta.joinMessage', t('join.revoked'));
      location.replace('/join');
      return;
    }
    toast(t(`close.${code}`) !== `close.${code}` ? t(`close.${code}`) : t('close.other'), 'error');
  });
  client.addEventListener('servererror', (e) => toast(`${t('error.server')} ${e.detail.message || e.detail.code}`, 'error'));

  onLang(() => {
    buildToolbar();
    renderHeader();
    canvas.invalidate(null);
    ctx.requestPanel();
    outline.render();
  });

  $('#btn-help').addEventListener('click', showHelp);

  // Keep the replica for an offline reload.
  addEventListener('pagehide', () => client.saveReplica());

  buildToolbar();
  renderHeader();
  renderConn();
  if (client.objects.size) requestAnimationFrame(() => { canvas.invalidate(null); canvas.fit(0.5); fitted = true; });
  client.start();
}

function showHelp() {
  const rows = ['tab', 'arrows', 'enter', 'escape', 'space', 'create', 'endEvent', 'link', 'vote', 'delete', 'copy', 'duplicate', 'undo', 'redo', 'zoom', 'fit', 'order', 'pan', 'marquee', 'help'];
  const dlg = h('dialog', { class: 'dialog help-dialog', 'aria-labelledby': 'help-title' },
    h('h2', { id: 'help-title', tabindex: -1 }, t('help.title')),
    h('table', { class: 'keys' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('help.key')), h('th', { scope: 'col' }, t('help.action')))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, h('kbd', {}, t(`help.${r}.key`))), h('td', {}, t(`help.${r}`)))))),
    h('form', { method: 'dialog' }, h('button', { type: 'submit', class: 'btn' }, t('common.close'))));
  document.body.append(dlg);
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  dlg.querySelector('h2').focus();
}

// ---------------------------------------------------------------- icons
function icon(...children) { return s('svg', { viewBox: '0 0 24 24', width: 24, height: 24, 'aria-hidden': 'true', focusable: 'false', class: 'tool-icon' }, ...children); }
function iconNote() { return icon(s('path', { d: 'M4 4h16v11l-5 5H4z', fill: '#fde047', stroke: 'currentColor', 'stroke-width': 1.6 }), s('path', { d: 'M15 20v-5h5', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6 })); }
function iconStep() { return icon(s('rect', { x: 3, y: 6, width: 18, height: 12, rx: 3, fill: '#fff', stroke: 'currentColor', 'stroke-width': 1.8 })); }
function iconDecision() { return icon(s('path', { d: 'M12 3l9 9-9 9-9-9z', fill: '#fef3c7', stroke: 'currentColor', 'stroke-width': 1.8 })); }
function iconStart() { return icon(s('circle', { cx: 12, cy: 12, r: 8, fill: '#dcfce7', stroke: '#15803d', 'stroke-width': 2.2 })); }
function iconEnd() { return icon(s('circle', { cx: 12, cy: 12, r: 8, fill: '#fee2e2', stroke: '#b91c1c', 'stroke-width': 3.5 })); }
function iconGoal() { return icon(s('rect', { x: 3, y: 5, width: 18, height: 14, rx: 2, fill: '#fff', stroke: '#1d4ed8', 'stroke-width': 1.8 }), s('circle', { cx: 8, cy: 10, r: 2.5, fill: '#1d4ed8' }), s('path', { d: 'M12 10h6M7 15h11', stroke: 'currentColor', 'stroke-width': 1.5 })); }
function iconFrame() { return icon(s('rect', { x: 3, y: 4, width: 18, height: 16, rx: 2, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-dasharray': '3 2' }), s('path', { d: 'M3 9h18', stroke: 'currentColor', 'stroke-width': 1.5 })); }
function iconLane() { return icon(s('rect', { x: 2, y: 5, width: 20, height: 6, fill: '#dbeafe', stroke: 'currentColor', 'stroke-width': 1.4 }), s('rect', { x: 2, y: 13, width: 20, height: 6, fill: '#dcfce7', stroke: 'currentColor', 'stroke-width': 1.4 })); }
function iconMarquee() { return icon(s('rect', { x: 4, y: 4, width: 16, height: 16, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-dasharray': '3 3' })); }
function iconLink() { return icon(s('path', { d: 'M4 18L18 6M18 6h-6M18 6v6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
function iconUndo() { return icon(s('path', { d: 'M9 8H4V3M4 8a8 8 0 1 1 2 8', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
function iconRedo() { return icon(s('path', { d: 'M15 8h5V3M20 8a8 8 0 1 0-2 8', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
function iconDelete() { return icon(s('path', { d: 'M5 7h14M9 7V4h6v3M7 7l1 13h8l1-13', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
