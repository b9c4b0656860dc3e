// Where the facilitator takes everyone's view (docs/protocol.md, "Running
// a workshop"):
// - summon once: the view moves when settings.focus.at is newer than the
//   last summon this browser followed on this board and newer than this
//   page's start, so no later settings change, reload or late join lands
//   on an old summon;
// - follow me: while settings.follow names a facilitator, that person's
//   browser sends its view with its presence and every other browser shows
//   the same area; anyone can step out ("Sluta följa") and back in, and a
//   bar says whom they follow.
import { h, toast, announce, store, $ } from '../util.js';
import { t } from '../i18n.js';
import { patch } from '../morph.js';

const clampZoom = (k) => Math.min(20, Math.max(0.05, k));

class ViewFollow {
  /**
   * @param {object} ctx {client, canvas, boardId}
   * @param {Element} after the element the follow bar goes after
   * @param {() => void} beforeMove called before a summon moves the view
   */
  constructor(ctx, after, beforeMove = () => {}) {
    this.client = ctx.client;
    this.canvas = ctx.canvas;
    this.beforeMove = beforeMove;
    this.focusKey = `processkarta.focusAt.${ctx.boardId}`;
    this.started = null; // server time of the first settings this page saw
    this.out = false; // stepped out of following
    this.leader = null;
    this.applied = null; // the leader's view last applied
    this.sent = null; // the view last sent while leading
    // A region landmark, so that it is found (and the audit is content).
    this.bar = h('section', { id: 'follow-bar', class: 'follow-bar', hidden: true, 'aria-labelledby': 'follow-text' });
    after.after(this.bar);
    this.client.addEventListener('presence', () => this.applyLeader());
    this.client.addEventListener('participants', () => this.render());
    this.canvas.addEventListener('view', () => this.publish());
  }

  /** Call on every settings change. */
  onSettings() {
    const st = this.client.settings;
    if (!st) return;
    if (this.started === null) this.started = this.client.serverNow();
    this.summon(st.focus);
    const leader = st.follow?.participant || null;
    if (leader !== this.leader) {
      this.leader = leader;
      this.out = false;
      this.applied = null;
      this.sent = null;
      if (leader && leader !== this.me()) this.client.whenParticipants([leader]).then(() => this.leader === leader && announce(t('follow.banner', { name: this.name(leader) })));
      if (!leader || leader !== this.me()) this.client.setPresence({ view: null });
    }
    this.publish();
    this.applyLeader();
    this.render();
  }

  me() { return this.client.me?.id || null; }

  name(pid) { return this.client.participant(pid)?.name || t('role.facilitator'); }

  summon(f) {
    if (!f || !f.at) return;
    const seen = Number(store.get(this.focusKey) || 0);
    if (f.at <= seen) return;
    store.set(this.focusKey, String(f.at));
    // A summon made before this page started is not for it.
    if (f.at < this.started) return;
    if (this.following()) return; // the leader's view wins
    this.beforeMove();
    this.canvas.animateTo(f.x, f.y, f.zoom);
    if (!this.client.isFacilitator()) toast(t('summon.followed'));
  }

  following() {
    return !!this.leader && this.leader !== this.me() && !this.out;
  }

  /** The leader sends the area it shows (centre, zoom, and the size in board units). */
  publish() {
    if (!this.leader || this.leader !== this.me()) return;
    const c = this.canvas.center();
    const k = this.canvas.view.s;
    const sz = this.canvas.size();
    const v = { x: round(c.x), y: round(c.y), zoom: clampZoom(k), w: round(sz.w / k), h: round(sz.h / k) };
    if (this.sent && this.sent.x === v.x && this.sent.y === v.y && this.sent.zoom === v.zoom && this.sent.w === v.w && this.sent.h === v.h) return;
    this.sent = v;
    this.client.setPresence({ view: v });
  }

  /** A follower shows the leader's area, fitted to its own screen. */
  applyLeader() {
    if (!this.following()) return;
    const v = this.client.peers.get(this.leader)?.view;
    if (!v || (this.applied && this.applied.x === v.x && this.applied.y === v.y && this.applied.zoom === v.zoom && this.applied.w === v.w && this.applied.h === v.h)) return;
    this.applied = v;
    const sz = this.canvas.size();
    const k = v.w > 0 && v.h > 0 ? clampZoom(Math.min(sz.w / v.w, sz.h / v.h)) : v.zoom;
    this.canvas.setCenter(v.x, v.y, k);
  }

  stepOut() {
    this.out = true;
    this.render();
    announce(t('follow.bannerOut', { name: this.name(this.leader) }));
    this.bar.querySelector('button')?.focus();
  }

  stepIn() {
    this.out = false;
    this.applied = null;
    this.applyLeader();
    this.render();
    announce(t('follow.banner', { name: this.name(this.leader) }));
    this.bar.querySelector('button')?.focus();
  }

  render() {
    const leader = this.leader;
    // Hidden once the leader left the board; on a partial list the name may still come.
    if (!leader || (!this.client.participant(leader) && !this.client.awaiting(leader))) { this.bar.hidden = true; return; }
    this.bar.hidden = false;
    const name = this.name(leader);
    if (leader === this.me()) {
      patch(this.bar, h('p', { id: 'follow-text' }, t('follow.leading')),
        h('button', { type: 'button', class: 'btn btn-small', 'data-key': 'follow-stop-leading', onclick: () => this.client.submitSettings({ follow: null }) }, t('follow.stopLeading')));
    } else if (this.out) {
      patch(this.bar, h('p', { id: 'follow-text' }, t('follow.bannerOut', { name })),
        h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-key': 'follow-again', onclick: () => this.stepIn() }, t('follow.again')));
    } else {
      patch(this.bar, h('p', { id: 'follow-text' }, t('follow.banner', { name })),
        h('button', { type: 'button', class: 'btn btn-small', 'data-key': 'follow-stop', onclick: () => this.stepOut() }, t('follow.stop')));
    }
  }
}

function round(n) { return Math.round(n * 100) / 100; }

/**
 * Returns followFocus, which the settings handler calls. getOutline returns
 * the outline view; toggleOutline(false) shows the canvas again before a
 * summon moves it.
 */
export function setupSummons(ctx, getOutline, toggleOutline) {
  const vf = new ViewFollow(ctx, $('#banner'), () => { if (getOutline().visible) toggleOutline(false); });
  ctx.follow = vf; // for the end-to-end tests
  return () => vf.onSettings();
}
