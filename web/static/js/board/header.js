// The board page's header: the connection state, the title, the phase,
// the dots left, the banner (observer, locked, voting) and the timer.
import { t } from '../i18n.js';
import { $, s, clear, announce, clock, timerLeft } from '../util.js';
import { phaseName } from '../labels.js';

/** Sets up the header; updateToolbar comes from the toolbar. */
export function setupHeader(ctx, { updateToolbar }) {
  const { client } = ctx;
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
    const from = $('#board-from');
    from.hidden = !b?.from;
    if (b?.from) from.textContent = t('board.continues', { title: b.from.title });
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
      const none = (v.dotsLeft ?? 0) <= 0;
      d.classList.toggle('pill-none', none);
      d.textContent = none ? t('vote.noneLeft') : t('vote.dotsLeft', { n: v.dotsLeft ?? 0, of: v.dots ?? 0 });
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
    if (st?.private && client.me?.role !== 'observer') msgs.push(t(client.isFacilitator() ? 'private.bannerFacil' : 'private.banner'));
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
  return { renderHeader, renderDots, renderBanner, renderConn };
}
