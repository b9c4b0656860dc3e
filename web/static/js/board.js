// Board page: wires the realtime client, the editor, the canvas, the
// outline, the side panel (properties, people, results, facilitation), the
// header (phase, timer, dots, connection) and the keyboard shortcuts. Each
// of these parts is set up by a module under board/; this file makes the
// shared context and answers the client's messages.
import { t, applyI18n, initLangSwitch, onLang } from './i18n.js';
import { $, store, tokenKey, announce, toast } from './util.js';
import { BoardClient } from './realtime.js';
import { Editor } from './editor.js';
import { Canvas } from './canvas.js';
import { Outline } from './outline.js';
import { phaseName } from './labels.js';
import { setupToolbar } from './board/toolbar.js';
import { setupShortcuts } from './board/shortcuts.js';
import { setupPanel } from './board/panel.js';
import { setupHeader } from './board/header.js';
import { setupSummons } from './board/summons.js';
import { showHelp } from './board/help.js';
import { setupEditing } from './board/editing.js';
import { setupPresentation } from './board/presentation.js';
import { setupMenu } from './board/menu.js';
import { loadRules } from './hyphen.js';
import { organizerKey, facilitatorToken, forgetFacilitator } from './session.js';

const boardId = decodeURIComponent((location.pathname.match(/^\/b\/([^/]+)/) || [])[1] || '');
let token = boardId ? store.get(tokenKey(boardId)) : null;

applyI18n();
initLangSwitch($('#lang-switch'));

function toJoin() {
  sessionStorage.setItem('processkarta.joinMessage', t('join.needToken'));
  location.replace('/join');
}

if (!boardId) toJoin();
else if (token) main();
else if (organizerKey()) {
  // Signed in as organizer in this browser: run the board as facilitator.
  facilitatorToken(boardId).then((tk) => { if (!tk) { toJoin(); return; } token = tk; main(); }, toJoin);
} else toJoin();

function main() {
  const client = new BoardClient(boardId, token);
  const editor = new Editor(client);
  const canvas = new Canvas({ wrap: $('#canvas-wrap'), svg: $('#canvas'), textarea: $('#editor'), editor, client });
  const ctx = { client, editor, canvas, boardId, token };
  window.processkarta = ctx; // for debugging and end-to-end tests

  // ------------------------------------------------------------ toolbar
  const tb = setupToolbar(ctx, () => outline);
  const { buildToolbar, updateToolbar } = tb;
  ctx.createAction = tb.createAction; // "Ny åtgärd för detta mål" in the panel and outline

  // ---------------------------------------------------------- shortcuts
  setupShortcuts(ctx, tb, () => outline);

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
  const panel = setupPanel(ctx);

  // ------------------------------------------------------------- header
  const { renderHeader, renderDots, renderBanner, renderConn } = setupHeader(ctx, tb);

  // ---------------------------------------------------------- summons
  const followFocus = setupSummons(ctx, () => outline, toggleOutline);

  // ------------------------------------- taken texts, conflicts, presenting
  setupEditing(ctx);
  ctx.presentation = setupPresentation(ctx);
  editor.addEventListener('refused', () => announce(t('announce.laneHeaderRefused'), true));
  // Words break as in the PDF once the rules are here (export/hyphen).
  const rulesReady = loadRules().then((ok) => { if (ok) canvas.invalidate(null); });

  // --------------------------------------------------------- events
  let prevPhase = null, prevVoteOpen = null, prevRole = null, fitted = false;
  // A phone shows the whole board on joining; a wide screen keeps the text
  // large enough to read and shows the top left of a large board.
  const joinZoom = () => (matchMedia('(max-width: 600px)').matches ? 0 : 0.5);
  client.addEventListener('welcome', () => {
    renderHeader();
    buildToolbar();
    ctx.requestPanel();
    if (!fitted) { fitted = true; rulesReady.then(() => requestAnimationFrame(() => canvas.fit(joinZoom()))); }
  });
  client.addEventListener('settings', () => {
    const st = client.settings;
    if (!st) return;
    if (prevPhase !== null && st.phase !== prevPhase) announce(t('announce.phase', { phase: phaseName(st.phase) }));
    prevPhase = st.phase;
    renderHeader();
    updateToolbar();
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
  client.addEventListener('change', () => { if (panel.activeTab() === 'results' || panel.activeTab() === 'facil') ctx.requestPanel(); });
  client.addEventListener('reject', (e) => {
    const { code, message, type } = e.detail;
    const ours = t(`reject.${code}`);
    const text = `${t(type === 'vote' ? 'reject.voteTitle' : type === 'settings' ? 'reject.settingsTitle' : 'reject.title')} ${ours !== `reject.${code}` ? ours : message || code}`;
    toast(text, 'error');
  });
  client.addEventListener('closed', (e) => {
    const code = e.detail.code;
    if (code === 4401) {
      if (ctx.erasing) return; // the menu's erasure takes it from here
      store.del(tokenKey(boardId));
      forgetFacilitator(boardId);
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
  setupMenu(ctx);

  // Keep the replica for an offline reload.
  addEventListener('pagehide', () => client.saveReplica());

  buildToolbar();
  renderHeader();
  renderConn();
  if (client.objects.size) requestAnimationFrame(() => { canvas.invalidate(null); canvas.fit(joinZoom()); fitted = true; });
  client.start();
}
