// Facilitation panel (facilitators only): phase stepper, timer, lock,
// voting, private round, summon and follow me, join code, PDF export and
// goal ranking. Results: the
// tallies as bars per object, split by position (everyone, when revealed).
import { h, announce, toast, timerText, saveBlob, dispositionName } from './util.js';
import { t, getLang } from './i18n.js';
import { api, showError, ApiError } from './api.js';
import { phaseName, positionName, kindName, POSITIONS, TEMPLATE_PHASES } from './labels.js';
import { textOf, bounds, center } from './model.js';
import { showProjector } from './projector.js';
import { patch } from './morph.js';

export const POSITION_COLORS = { politician: '#7e22ce', manager: '#c2410c', official: '#1d4ed8', other: '#4b5563' };
const VOTE_KINDS = ['note', 'step', 'decision', 'event', 'goal', 'frame'];

export class Facilitation {
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.client = ctx.client;
    this.exporting = false;
    this.exportStatus = '';
    this.exportLink = null; // {url, name} of the last PDF
    setInterval(() => this.tick(), 500);
  }

  // The whole panel is rendered anew and patched into the page in place
  // (morph.js): handlers must not hold on to elements they render, which
  // may never reach the page, but find them from the event.
  render() {
    if (this.el.hidden) return;
    const c = this.client;
    const st = c.settings;
    if (!st) return;
    patch(this.el, h('h2', { class: 'panel-title' }, t('facil.title')),
      this.phaseSection(st), this.timerSection(st), this.lockSection(st), this.votingSection(st), this.privateSection(st),
      this.goalsSection(), this.summonSection(), this.followSection(st), this.codeSection(), this.exportSection());
  }

  section(title, ...children) {
    const id = `fs-${title}`;
    return h('section', { class: 'facil-section', 'aria-labelledby': id }, h('h3', { id }, t(title)), ...children);
  }

  send(patch, msg) {
    this.client.submitSettings(patch);
    if (msg) announce(msg);
  }

  phaseSection(st) {
    const phases = TEMPLATE_PHASES[this.client.board?.template] || [st.phase];
    const i = phases.indexOf(st.phase);
    const list = h('ol', { class: 'stepper' }, phases.map((p, k) => h('li', {},
      h('button', {
        type: 'button', class: `step-btn${k === i ? ' current' : ''}${k < i ? ' done' : ''}`, 'data-key': `phase-${k}`,
        'aria-current': k === i ? 'step' : undefined, onclick: () => this.send({ phase: p }, t('announce.phase', { phase: phaseName(p) })),
      }, h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(k + 1)), phaseName(p)))));
    return this.section('facil.phase', list,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'phase-prev', disabled: i <= 0, onclick: () => this.send({ phase: phases[i - 1] }) }, t('facil.prevPhase')),
        h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'phase-next', disabled: i < 0 || i >= phases.length - 1, onclick: () => this.send({ phase: phases[i + 1] }) }, t('facil.nextPhase'))));
  }

  timerSection(st) {
    const running = st.timer && st.timer.endsAt && st.timer.endsAt > this.client.serverNow();
    const timerText = h('p', { class: 'timer-big', 'aria-live': 'off' }, this.timerShown());
    const presets = h('div', { class: 'row wrap' }, [3, 5, 10, 15].map((m) => h('button', {
      type: 'button', class: 'btn', 'data-key': `timer-${m}`,
      onclick: () => this.send({ timer: { seconds: m * 60, start: true } }, t('facil.timerStarted', { min: m })),
    }, t('facil.minutes', { n: m }))));
    const customId = 'timer-custom';
    const custom = h('input', { id: customId, type: 'number', min: 1, max: 1440, step: 1, value: 7, inputmode: 'numeric', class: 'input-short', 'data-key': 'timer-custom-min' });
    const form = h('form', { class: 'row', onsubmit: (e) => {
      e.preventDefault();
      const m = Number(e.currentTarget.querySelector('[data-key="timer-custom-min"]').value);
      if (!(m > 0 && m <= 1440)) { toast(t('facil.timerInvalid'), 'error'); return; }
      this.send({ timer: { seconds: Math.round(m * 60), start: true } }, t('facil.timerStarted', { min: m }));
    } }, h('label', { for: customId }, t('facil.customMinutes')), custom, h('button', { type: 'submit', class: 'btn', 'data-key': 'timer-custom-go' }, t('facil.start')));
    const stop = h('button', { type: 'button', class: 'btn btn-danger', 'data-key': 'timer-stop', disabled: !running, onclick: () => this.send({ timer: { endsAt: null } }, t('facil.timerStopped')) }, t('facil.stop'));
    return this.section('facil.timer', timerText, presets, form, stop);
  }

  timerShown() {
    const text = timerText(this.client.settings?.timer, this.client.serverNow());
    return text === null ? t('facil.timerOff') : text || t('timer.done');
  }

  tick() {
    if (this.el.hidden) return;
    const el = this.el.querySelector('.timer-big');
    const text = this.timerShown();
    if (el && el.textContent !== text) el.textContent = text;
  }

  lockSection(st) {
    return this.section('facil.lock',
      h('button', {
        type: 'button', class: `btn toggle${st.locked ? ' on' : ''}`, 'aria-pressed': String(!!st.locked), 'data-key': 'lock',
        onclick: () => this.send({ locked: !st.locked }, t(st.locked ? 'facil.unlocked' : 'facil.locked')),
      }, t('facil.lockBoard')),
      h('p', { class: 'muted' }, t('facil.lockHelp')));
  }

  votingSection(st) {
    const v = st.voting || {};
    const votes = this.client.votes;
    const status = v.open
      ? t('facil.votingOpenStatus', { dots: v.dots, kinds: (v.kinds || []).map((k) => t(`kind.${k}.plural`)).join(', ') })
      : t('facil.votingClosedStatus');
    const extra = [];
    if (v.open && votes && typeof votes.voters === 'number') extra.push(h('p', {}, t('facil.voters', { n: votes.voters })));
    const placed = votes && (Object.values(votes.tallies || {}).some((n) => n > 0) || Object.keys(votes.mine || {}).length > 0);
    return this.section('facil.voting', h('p', {}, status), ...extra,
      h('div', { class: 'row wrap' },
        v.open
          ? h('button', { type: 'button', class: 'btn btn-danger', 'data-key': 'vote-close', onclick: () => this.closeVoting() }, t('facil.closeVoting'))
          : h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'vote-open', onclick: () => this.votingDialog(v) }, t('facil.openVoting')),
        // Takes the dots (and the badges) off the board, e.g. after the
        // result is written down (docs/protocol.md, "Clearing votes").
        h('button', { type: 'button', class: 'btn', 'data-key': 'vote-clear', disabled: !placed, onclick: () => {
          if (confirm(t('facil.clearConfirm'))) this.send({ voting: { clear: true } }, t('facil.cleared'));
        } }, t('facil.clearVotes'))));
  }

  privateSection(st) {
    const on = !!st.private;
    const n = [...this.client.objects.values()].filter((o) => o.privateTo).length;
    return this.section('facil.private',
      h('p', { class: 'muted' }, t('facil.privateHelp')),
      on ? h('p', { class: 'private-status' }, t('facil.privateOn', { n })) : null,
      on
        ? h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'private-reveal', onclick: () => this.send({ private: false }, t('facil.privateRevealed')) }, t('facil.privateReveal'))
        : h('button', { type: 'button', class: 'btn', 'data-key': 'private-start', onclick: () => this.send({ private: true }, t('facil.privateStarted')) }, t('facil.privateStart')));
  }

  followSection(st) {
    const me = this.client.me?.id;
    const leader = st.follow && st.follow.participant;
    const other = leader && leader !== me ? this.client.participant(leader) : null;
    return this.section('facil.follow',
      h('p', { class: 'muted' }, t('facil.followHelp')),
      other ? h('p', {}, t('facil.followOther', { name: other.name })) : null,
      h('button', {
        type: 'button', class: `btn toggle${leader === me ? ' on' : ''}`, 'aria-pressed': String(leader === me), 'data-key': 'follow-me',
        onclick: () => (leader === me
          ? this.send({ follow: null }, t('facil.followStopped'))
          : this.send({ follow: { participant: me } }, t('facil.followStarted'))),
      }, t('facil.followMe')));
  }

  votingDialog(v) {
    const kinds = v.kinds && v.kinds.length ? v.kinds : (this.client.board?.template === 'goal-workshop' ? ['goal'] : ['note', 'step']);
    const dots = h('input', { id: 'vd-dots', type: 'number', min: 1, max: 50, value: v.dots || 3, required: true, inputmode: 'numeric' });
    const boxes = VOTE_KINDS.map((k) => {
      const cb = h('input', { type: 'checkbox', id: `vd-kind-${k}`, value: k });
      cb.checked = kinds.includes(k);
      return h('div', { class: 'check' }, cb, h('label', { for: `vd-kind-${k}` }, t(`kind.${k}.plural`)));
    });
    const anon = h('input', { type: 'checkbox', id: 'vd-anon' }); anon.checked = !!v.anonymous;
    // Hidden unless the facilitator says otherwise: early counts steer.
    const hidden = h('input', { type: 'checkbox', id: 'vd-hidden' }); hidden.checked = true;
    const err = h('p', { class: 'form-error', role: 'alert' });
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'vd-title' });
    const form = h('form', { class: 'form', onsubmit: (e) => {
      e.preventDefault();
      const n = Number(dots.value);
      const ks = VOTE_KINDS.filter((k) => dlg.querySelector(`#vd-kind-${k}`).checked);
      if (!(n >= 1 && n <= 50)) { err.textContent = t('facil.dotsInvalid'); dots.focus(); return; }
      if (!ks.length) { err.textContent = t('facil.kindsInvalid'); return; }
      this.send({ voting: { open: true, dots: n, kinds: ks, anonymous: anon.checked, hidden: hidden.checked } }, t('announce.votingOpen'));
      dlg.close();
    } },
      h('h2', { id: 'vd-title', tabindex: -1 }, t('facil.votingDialog')),
      h('div', { class: 'field' }, h('label', { for: 'vd-dots' }, t('facil.dots')), dots),
      h('fieldset', {}, h('legend', {}, t('facil.kinds')), boxes),
      h('div', { class: 'check' }, anon, h('label', { for: 'vd-anon' }, t('facil.anonymous'))),
      h('div', { class: 'check' }, hidden, h('label', { for: 'vd-hidden' }, t('facil.hidden'))),
      err,
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, t('facil.startVoting')),
        h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('common.cancel'))));
    dlg.append(form);
    document.body.append(dlg);
    dlg.addEventListener('close', () => dlg.remove());
    dlg.showModal();
  }

  goalsSection() {
    const goals = this.ctx.editor.goals();
    if (!goals.length) return h('span');
    const open = this.client.votes?.open;
    const tallies = this.client.votes?.tallies || {};
    const list = h('ol', { class: 'rank-list' }, goals.map((g, i) => h('li', {},
      h('span', { class: 'rank-title' }, g.title || t('label.untitled'), tallies[g.id] !== undefined ? ` (${t('vote.totalLabel', { n: tallies[g.id] })})` : ''),
      h('span', { class: 'row' },
        h('button', { type: 'button', class: 'btn btn-small', 'data-key': `up-${g.id}`, disabled: open || i === 0, 'aria-label': t('rank.upNamed', { name: g.title }), onclick: () => this.moveGoal(goals, i, -1) }, '↑'),
        h('button', { type: 'button', class: 'btn btn-small', 'data-key': `down-${g.id}`, disabled: open || i === goals.length - 1, 'aria-label': t('rank.downNamed', { name: g.title }), onclick: () => this.moveGoal(goals, i, 1) }, '↓')))));
    return this.section('facil.goals', open ? h('p', { class: 'muted' }, t('rank.closeFirst')) : null, list,
      h('button', { type: 'button', class: 'btn', 'data-key': 'rank-votes', disabled: open, onclick: () => this.rankByVotes() }, t('rank.byVotes')));
  }

  moveGoal(goals, i, dir) {
    const ids = goals.map((g) => g.id);
    const j = i + dir;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    this.ctx.editor.setRanks(ids);
    announce(t('rank.moved', { name: goals[i].title, rank: j + 1 }));
  }

  // Closing a vote on goal areas ranks them by votes at once; the
  // facilitator can still reorder them afterwards.
  closeVoting() {
    const onGoals = (this.client.votes?.kinds || []).includes('goal');
    this.send({ voting: { open: false } });
    if (onGoals && this.ctx.editor.goals().length) this.rankByVotes();
  }

  rankByVotes() {
    const tallies = this.client.votes?.tallies || {};
    const goals = this.ctx.editor.goals();
    const ids = [...goals].sort((a, b) => (tallies[b.id] || 0) - (tallies[a.id] || 0)).map((g) => g.id);
    this.ctx.editor.setRanks(ids);
    announce(t('rank.ranked'));
  }

  summonSection() {
    return this.section('facil.summon', h('p', { class: 'muted' }, t('facil.summonHelp')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'summon', onclick: () => {
        const c = this.ctx.canvas.center();
        this.send({ focus: { x: Math.round(c.x), y: Math.round(c.y), zoom: Math.min(20, Math.max(0.05, this.ctx.canvas.view.s)) } }, t('facil.summoned'));
      } }, t('facil.summonButton')));
  }

  codeSection() {
    const code = this.client.board?.joinCode;
    return this.section('facil.joinCode',
      h('p', { class: 'join-code' }, code || '—'),
      h('div', { class: 'row wrap' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'code-show', disabled: !code, onclick: () => showProjector(code, this.client.board?.title) }, t('facil.showCode')),
        h('button', { type: 'button', class: 'btn', 'data-key': 'code-rotate', onclick: () => this.rotate() }, t('facil.rotateCode'))),
      this.joiningControls());
  }

  // Closing the board to newcomers and removing many at once: what a
  // facilitator needs when someone floods the board with fake names.
  joiningControls() {
    const closed = !!this.client.settings?.joinClosed;
    return h('div', { class: 'row wrap' },
      h('button', {
        type: 'button', class: `btn toggle${closed ? ' on' : ''}`, 'aria-pressed': String(closed), 'data-key': 'join-closed',
        onclick: () => this.send({ joinClosed: !closed }, t(closed ? 'facil.joinOpened' : 'facil.joinClosed')),
      }, t('facil.closeJoining')),
      h('button', { type: 'button', class: 'btn', 'data-key': 'remove-many', onclick: () => this.removeManyDialog() }, t('facil.removeMany')));
  }

  removeManyDialog() {
    const me = this.client.me?.id;
    const people = (this.client.participants || []).filter((p) => p.id !== me && p.role !== 'facilitator')
      .sort((a, b) => (b.joinedAt || 0) - (a.joinedAt || 0));
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'rm-title' });
    const boxes = people.map((p) => {
      const id = `rm-${p.id}`;
      const when = p.joinedAt ? new Date(p.joinedAt).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit' }) : '';
      return h('div', { class: 'check' }, h('input', { type: 'checkbox', id, value: p.id }),
        h('label', { for: id }, `${p.name}${p.administration ? `, ${p.administration}` : ''}${when ? ` (${when})` : ''}`));
    });
    const all = h('input', { type: 'checkbox', id: 'rm-all', onchange: (e) => {
      for (const cb of dlg.querySelectorAll('fieldset input[type=checkbox]')) cb.checked = e.currentTarget.checked;
    } });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'form', onsubmit: async (e) => {
      e.preventDefault();
      const ids = [...dlg.querySelectorAll('fieldset input:checked')].map((cb) => cb.value);
      if (!ids.length) { err.textContent = t('facil.removeNone'); return; }
      try {
        const r = await api(`/api/boards/${encodeURIComponent(this.ctx.boardId)}/participants/remove`, { method: 'POST', body: { ids }, token: this.ctx.token });
        announce(t('facil.removedMany', { n: r.removed.length }));
        dlg.close();
      } catch (ex) { showError(ex); }
    } },
      h('h2', { id: 'rm-title', tabindex: -1 }, t('facil.removeMany')),
      h('p', { class: 'muted' }, t('facil.removeManyHelp')),
      people.length ? h('div', { class: 'check' }, all, h('label', { for: 'rm-all' }, t('facil.selectAll'))) : h('p', {}, t('facil.removeNobody')),
      h('fieldset', { class: 'remove-list' }, h('legend', { class: 'sr-only' }, t('facil.removeMany')), boxes),
      err,
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'btn btn-danger', disabled: !people.length }, t('facil.removeSelected')),
        h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('common.cancel'))));
    dlg.append(form);
    document.body.append(dlg);
    dlg.addEventListener('close', () => dlg.remove());
    dlg.showModal();
  }

  async rotate() {
    if (!confirm(t('facil.confirmRotate'))) return;
    try {
      const r = await api(`/api/boards/${encodeURIComponent(this.ctx.boardId)}/join-code`, { method: 'POST', token: this.ctx.token });
      this.client.board = { ...this.client.board, joinCode: r.joinCode };
      announce(t('facil.rotated', { code: r.joinCode.split('').join(' ') }));
      this.render();
    } catch (e) { showError(e); }
  }

  exportSection() {
    const l = this.exportLink;
    return this.section('facil.export',
      h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'export', disabled: this.exporting, onclick: () => this.exportPDF() }, t('facil.exportPdf')),
      h('p', { class: 'muted', role: 'status' }, this.exportStatus),
      l ? h('a', { href: l.url, download: l.name, class: 'download-link' }, t('facil.downloadAgain', { name: l.name })) : null,
      l && l.report ? h('button', { type: 'button', class: 'btn', 'data-key': 'export-html', onclick: () => openReport(l.id, this.ctx.token).catch(showError) }, t('export.openHtml')) : null,
      h('p', { class: 'hint' }, t('facil.exportMapHint')),
      h('div', { class: 'row wrap' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'export-bpmn', onclick: () => this.exportMap('bpmn') }, t('facil.exportBpmn')),
        h('button', { type: 'button', class: 'btn', 'data-key': 'export-drawio', onclick: () => this.exportMap('drawio') }, t('facil.exportDrawio'))));
  }

  /** Downloads the map as a BPMN 2.0 or diagrams.net file. */
  async exportMap(format) {
    try {
      const res = await api(`/api/boards/${encodeURIComponent(this.ctx.boardId)}/${format}`, { token: this.ctx.token, raw: true });
      const blob = await res.blob();
      const name = dispositionName(res.headers.get('Content-Disposition'), `processkarta.${format}`);
      saveBlob(blob, name);
      announce(t('facil.exportedMap', { name }));
    } catch (e) { showError(e); }
  }

  async exportPDF() {
    if (this.exporting) return;
    this.exporting = true;
    this.exportStatus = t('facil.exporting');
    this.render();
    try {
      const q = getLang() === 'en' ? '?lang=en' : '';
      const meta = await api(`/api/boards/${encodeURIComponent(this.ctx.boardId)}/exports${q}`, { method: 'POST', body: {}, token: this.ctx.token });
      const { blob, name } = await downloadExport(meta.id, this.ctx.token, meta.fileName);
      this.exportLink = { url: saveBlob(blob, name), name, id: meta.id, report: meta.report };
      this.exportStatus = t('facil.exported', { kb: Math.round(blob.size / 1024) });
    } catch (e) {
      this.exportStatus = '';
      showError(e);
    } finally {
      this.exporting = false;
      this.render();
    }
  }
}

/**
 * Opens an export's report as a web page in a new tab. A link could not
 * send the Authorization header, so the page is fetched and shown from a
 * blob; the tab is opened at once, while the click still counts, so that
 * no pop-up blocker stops it. The blob's page has no address of its own:
 * its links to this site are made absolute. Its stylesheet is allowed by
 * hash in this page's policy, which the blob's page keeps.
 */
export async function openReport(id, token) {
  const win = window.open('', '_blank');
  try {
    const res = await api(`/api/exports/${encodeURIComponent(id)}/html`, { token, raw: true });
    const page = (await res.text()).replaceAll('href="/', `href="${location.origin}/`);
    const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
    (win || window).location.href = url;
    announce(t('export.opened'));
  } catch (e) {
    if (win) win.close();
    throw e;
  }
}

/** Fetches an export's PDF with the Authorization header; returns {blob, name}. */
export async function downloadExport(id, token, fallback) {
  const res = await api(`/api/exports/${encodeURIComponent(id)}/pdf`, { token, raw: true });
  if (!(res instanceof Response)) throw new ApiError(500, 'internal', 'no pdf');
  const blob = await res.blob();
  return { blob, name: dispositionName(res.headers.get('Content-Disposition'), fallback || 'processkarta.pdf') };
}

export class Results {
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.client = ctx.client;
  }

  render() {
    if (this.el.hidden) return;
    patch(this.el, h('h2', { class: 'panel-title' }, t('results.title')), this.content());
  }

  content() {
    const v = this.client.votes;
    if (!v) return null;
    if (!v.tallies) return h('p', { class: 'muted' }, t('results.hidden'));
    const rows = Object.entries(v.tallies).filter(([id, n]) => n > 0 && this.client.objects.has(id)).sort((a, b) => b[1] - a[1]);
    if (!rows.length) return h('p', { class: 'muted' }, t('results.none'));
    const out = [];
    if (typeof v.voters === 'number') out.push(h('p', {}, t('facil.voters', { n: v.voters })));
    const max = rows[0][1];
    const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' }, POSITIONS.map((p) => {
      const sw = h('span', { class: 'legend-swatch' });
      sw.style.backgroundColor = POSITION_COLORS[p];
      return h('li', {}, sw, positionName(p));
    }));
    const list = h('ol', { class: 'results' });
    for (const [id, n] of rows) {
      const o = this.client.objects.get(id);
      const bp = (v.byPosition && v.byPosition[id]) || {};
      const bar = h('div', { class: 'bar', 'aria-hidden': 'true' });
      bar.style.width = `${Math.max(4, (n / max) * 100)}%`;
      for (const p of POSITIONS) {
        if (!bp[p]) continue;
        const seg = h('span', { class: 'bar-seg', title: `${positionName(p)}: ${bp[p]}` });
        seg.style.width = `${(bp[p] / n) * 100}%`;
        seg.style.backgroundColor = POSITION_COLORS[p];
        bar.append(seg);
      }
      const split = POSITIONS.filter((p) => bp[p]).map((p) => `${positionName(p)} ${bp[p]}`).join(', ');
      list.append(h('li', { class: 'result', 'data-target': id },
        h('div', { class: 'result-head' },
          h('button', { type: 'button', class: 'linklike', 'data-key': `show-${id}`, onclick: () => this.show(id) }, `${kindName(o.kind, o.variant)}: ${textOf(o) || t('label.empty')}`),
          h('strong', {}, t('vote.totalLabel', { n }))),
        bar,
        h('p', { class: 'result-split' }, split)));
    }
    out.push(legend, list);
    return out;
  }

  show(id) {
    const o = this.client.objects.get(id);
    const b = o && bounds(o, this.client.objects);
    if (!b) return;
    const c = center(b);
    this.ctx.canvas.animateTo(c.x, c.y, Math.max(this.ctx.canvas.view.s, 0.8));
    this.ctx.editor.select([id]);
    this.ctx.canvas.focusObject(id, false);
  }
}
