// Outline view: the board as a structured, editable list — lanes with their
// steps, decisions and events ordered by x; items without a lane; notes;
// goal areas by rank; frames; arrows. The text alternative to the canvas and
// the quickest way to type many items: Enter adds the next item in the same
// lane, Backspace in an empty item deletes it.
import { h, clear, announce, uuid } from './util.js';
import { t } from './i18n.js';
import { kindName } from './labels.js';
import {
  laneBands, bounds, textOf, textProp, LANE_HEIGHT, LANE_HEADER, LANED_KINDS, DEFAULT_SIZE, zTop, NODE_KINDS, ACTION_STATUSES,
} from './model.js';

const cx = (o) => { const b = bounds(o); return b ? b.x + b.w / 2 : 0; };

export class Outline {
  constructor(el, ctx) {
    const { client, editor, canvas } = ctx;
    this.ctx = ctx;
    this.el = el;
    this.client = client;
    this.editor = editor;
    this.canvas = canvas;
    this.visible = false;
    this.frame = 0;
    this.focusAfter = null;
    client.addEventListener('change', () => this.schedule());
    client.addEventListener('votes', () => this.schedule());
    client.addEventListener('participants', () => this.schedule());
  }

  show() { this.visible = true; this.el.hidden = false; this.render(); const f = this.el.querySelector('input, button'); if (f) f.focus(); }
  hide() { this.visible = false; this.el.hidden = true; }

  schedule() {
    if (!this.visible || this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  /** Focuses the input of object id after the next render. */
  focusItem(id) { this.focusAfter = id; this.render(); }

  render() {
    if (!this.visible) return;
    const active = document.activeElement;
    let saved = null;
    if (active && this.el.contains(active) && active.dataset.key) {
      saved = { key: active.dataset.key, value: active.value, a: active.selectionStart, b: active.selectionEnd, dirty: active.dataset.dirty === '1' };
    }
    clear(this.el);
    const ro = !this.client.canEdit();
    const objs = this.client.objects;
    this.el.append(h('h2', {}, t('outline.title')), h('p', { class: 'muted' }, t(ro ? 'outline.readOnly' : 'outline.help')));

    // lanes
    const bands = laneBands(objs);
    const laned = new Map(bands.map((b) => [b.lane.id, []]));
    const loose = [], notes = [], goals = [], frames = [], links = [], actions = [];
    for (const o of objs.values()) {
      if (LANED_KINDS.includes(o.kind)) (o.lane && laned.has(o.lane) ? laned.get(o.lane) : loose).push(o);
      else if (o.kind === 'note') notes.push(o);
      else if (o.kind === 'goal') goals.push(o);
      else if (o.kind === 'frame') frames.push(o);
      else if (o.kind === 'link') links.push(o);
      else if (o.kind === 'action') actions.push(o);
    }
    const lanesSec = h('section', { class: 'outline-section', 'aria-labelledby': 'ol-lanes' }, h('h3', { id: 'ol-lanes' }, t('outline.lanes')));
    if (!bands.length) lanesSec.append(h('p', { class: 'muted' }, t('outline.noLanes')));
    bands.forEach((b, i) => {
      const items = laned.get(b.lane.id).sort((x, y) => cx(x) - cx(y));
      const titleId = `ol-lane-${b.lane.id}`;
      const head = h('div', { class: 'outline-lane-head' },
        h('label', { for: titleId, class: 'sr-only' }, t('outline.laneTitle', { n: i + 1 })),
        this.textInput(b.lane, 'title', titleId, ro, t('outline.laneTitle', { n: i + 1 })),
        ro ? null : h('button', { type: 'button', class: 'btn btn-small', disabled: i === 0, 'aria-label': t('lane.upNamed', { name: b.lane.title }), onclick: () => this.editor.moveLane(b.lane.id, -1) }, '↑'),
        ro ? null : h('button', { type: 'button', class: 'btn btn-small', disabled: i === bands.length - 1, 'aria-label': t('lane.downNamed', { name: b.lane.title }), onclick: () => this.editor.moveLane(b.lane.id, 1) }, '↓'),
        ro ? null : h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('outline.deleteNamed', { name: b.lane.title || t('label.untitledLane') }), onclick: () => this.remove(b.lane) }, t('common.remove')));
      const list = h('ol', { class: 'outline-list' }, items.map((o, k) => this.item(o, ro, { lane: b, index: k, items })));
      const sec = h('section', { class: 'outline-lane', 'aria-labelledby': `${titleId}-h` },
        h('h4', { id: `${titleId}-h`, class: 'sr-only' }, b.lane.title || t('label.untitledLane')), head, list);
      if (!ro) sec.append(h('button', { type: 'button', class: 'btn btn-small', onclick: () => this.addInLane(b, items.length ? items[items.length - 1] : null, 'step') }, t('outline.addStepIn', { lane: b.lane.title || t('label.untitledLane') })));
      lanesSec.append(sec);
    });
    if (!ro) lanesSec.append(h('button', { type: 'button', class: 'btn', onclick: () => this.addLane() }, t('outline.addLane')));
    this.el.append(lanesSec);

    if (loose.length) {
      loose.sort((a, b) => cx(a) - cx(b));
      this.el.append(this.section('ol-loose', t('outline.noLane'), h('ol', { class: 'outline-list' }, loose.map((o) => this.item(o, ro, {})))));
    }
    notes.sort((a, b) => (a.y - b.y) || (a.x - b.x));
    const notesList = h('ul', { class: 'outline-list' }, notes.map((o, k) => this.item(o, ro, { notes, index: k })));
    this.el.append(this.section('ol-notes', t('outline.notes'), notes.length ? notesList : h('p', { class: 'muted' }, t('outline.none')),
      ro ? null : h('button', { type: 'button', class: 'btn btn-small', onclick: () => this.addNote(notes[notes.length - 1]) }, t('outline.addNote'))));

    const ranked = this.editor.goals();
    const fac = this.client.isFacilitator();
    const votingOpen = !!this.client.votes?.open;
    const goalsList = h('ol', { class: 'outline-list' }, ranked.map((o, k) => this.item(o, ro, {
      goals: ranked, index: k,
      extra: fac && !ro ? [
        h('button', { type: 'button', class: 'btn btn-small', disabled: votingOpen || k === 0, 'aria-label': t('rank.upNamed', { name: o.title }), onclick: () => this.rank(ranked, k, -1) }, '↑'),
        h('button', { type: 'button', class: 'btn btn-small', disabled: votingOpen || k === ranked.length - 1, 'aria-label': t('rank.downNamed', { name: o.title }), onclick: () => this.rank(ranked, k, 1) }, '↓'),
      ] : [],
    })));
    this.el.append(this.section('ol-goals', t('outline.goals'), ranked.length ? goalsList : h('p', { class: 'muted' }, t('outline.none')),
      ro ? null : h('button', { type: 'button', class: 'btn btn-small', onclick: () => this.addGoal(ranked[ranked.length - 1]) }, t('outline.addGoal'))));

    this.el.append(this.actionsSection(ranked, actions, ro));

    if (frames.length) {
      frames.sort((a, b) => (a.y - b.y) || (a.x - b.x));
      this.el.append(this.section('ol-frames', t('outline.frames'), h('ul', { class: 'outline-list' }, frames.map((o) => this.item(o, ro, {})))));
    }
    if (links.length) {
      this.el.append(this.section('ol-links', t('outline.links'), h('ul', { class: 'outline-list' }, links.map((o) => this.item(o, ro, {})))));
    }

    const want = this.focusAfter;
    this.focusAfter = null;
    if (want) {
      const el = this.el.querySelector(`[data-key="${want}:${textProp(objs.get(want)?.kind)}"]`);
      if (el) { el.focus(); return; }
    }
    if (saved) {
      const el = this.el.querySelector(`[data-key="${CSS.escape(saved.key)}"]`);
      if (el) {
        if (saved.dirty) { el.value = saved.value; el.dataset.dirty = '1'; }
        el.focus();
        try { el.setSelectionRange(saved.a, saved.b); } catch { /* not text */ }
      }
    }
  }

  section(id, title, ...children) {
    return h('section', { class: 'outline-section', 'aria-labelledby': id }, h('h3', { id }, title), ...children);
  }

  textInput(o, prop, id, ro, label) {
    const el = h('input', { id, type: 'text', value: o[prop] ?? '', readonly: ro, maxlength: prop === 'text' ? 4000 : 200, 'data-key': `${o.id}:${prop}`, 'data-id': o.id, 'aria-label': label || undefined, autocomplete: 'off' });
    el.addEventListener('input', () => { el.dataset.dirty = '1'; });
    el.addEventListener('change', () => this.save(o.id, prop, el));
    el.addEventListener('focus', () => {
      // Taken while someone else edits it, as on the canvas and in the panel.
      const by = ro ? null : this.canvas.takenBy?.(o.id);
      if (by) {
        el.blur();
        this.canvas.dispatchEvent(new CustomEvent('taken', { detail: { id: o.id, participant: by } }));
        return;
      }
      this.client.setPresence({ editing: o.id });
      this.editor.select([o.id]);
    });
    el.addEventListener('blur', () => this.client.setPresence({ editing: null }));
    return el;
  }

  save(id, prop, el) {
    el.dataset.dirty = '';
    const o = this.client.objects.get(id);
    if (!o || (o[prop] ?? '') === el.value) return;
    this.editor.setProps(id, { [prop]: el.value }, 'text');
  }

  item(o, ro, ctx) {
    const prop = textProp(o.kind);
    const id = `ol-${o.id}`;
    let labelText = kindName(o.kind, o.variant);
    if (o.kind === 'link') {
      const a = this.client.objects.get(o.from), b = this.client.objects.get(o.to);
      labelText = t('outline.linkLabel', { from: textOf(a) || t('label.empty'), to: textOf(b) || t('label.empty') });
    }
    if (o.kind === 'goal' && o.rank !== undefined) labelText = `${labelText} ${o.rank}`;
    const input = this.textInput(o, prop, id, ro);
    input.addEventListener('keydown', (e) => this.onKey(e, o, prop, input, ctx));
    const v = this.client.votes;
    const extras = [];
    const mine0 = (v && v.mine && v.mine[o.id]) || 0;
    const total0 = v && v.tallies ? v.tallies[o.id] || 0 : 0;
    if (v && (v.kinds || []).includes(o.kind) && (v.open || mine0 || total0)) {
      const mine = mine0;
      const total = v.tallies ? total0 : null;
      extras.push(h('span', { class: 'outline-votes' }, [mine ? t('vote.mineLabel', { n: mine }) : '', total !== null ? t('vote.totalLabel', { n: total }) : ''].filter(Boolean).join(', ')));
      if (v.open && !ro) {
        extras.push(h('button', { type: 'button', class: 'btn btn-small', disabled: v.dotsLeft <= 0, 'aria-label': t('vote.addNamed', { name: textOf(o) || t('label.empty') }), onclick: () => { this.client.vote(o.id, 1); announce(t('vote.placed', { text: textOf(o), left: this.client.votes?.dotsLeft ?? 0 })); } }, '+●'));
        if (mine) extras.push(h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('vote.removeNamed', { name: textOf(o) || t('label.empty') }), onclick: () => { this.client.vote(o.id, -1); announce(t('vote.taken', { text: textOf(o), left: this.client.votes?.dotsLeft ?? 0 })); } }, '−●'));
      }
    }
    return h('li', { class: `outline-item kind-${o.kind}`, 'data-id': o.id, 'data-kind': o.kind },
      h('label', { for: id, class: 'outline-kind' }, labelText), input, ...extras, ...(ctx.extra || []),
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('outline.showNamed', { name: textOf(o) || labelText }), onclick: () => this.showOnCanvas(o.id) }, t('outline.show')),
      ro ? null : h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('outline.deleteNamed', { name: textOf(o) || labelText }), onclick: () => this.remove(o) }, t('common.remove')));
  }

  onKey(e, o, prop, input, ctx) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      this.save(o.id, prop, input);
      if (!this.client.canEdit()) return;
      if (ctx.lane) this.addInLane(ctx.lane, o, 'step');
      else if (ctx.notes) this.addNote(o);
      else if (ctx.goals) this.addGoal(o);
    } else if (e.key === 'Backspace' && input.value === '' && !input.readOnly && o.kind !== 'lane' && o.kind !== 'link') {
      e.preventDefault();
      const inputs = [...this.el.querySelectorAll('input[data-key]')];
      const prev = inputs[inputs.indexOf(input) - 1];
      this.editor.deleteIds([o.id]);
      announce(t('announce.deleted', { n: 1 }));
      if (prev) requestAnimationFrame(() => this.el.querySelector(`[data-key="${prev.dataset.key}"]`)?.focus());
    } else if (e.key === 'Escape') {
      const o2 = this.client.objects.get(o.id);
      input.value = o2 ? o2[prop] ?? '' : '';
      input.dataset.dirty = '';
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && !e.shiftKey) {
      const inputs = [...this.el.querySelectorAll('input[data-key]')];
      const next = inputs[inputs.indexOf(input) + (e.key === 'ArrowDown' ? 1 : -1)];
      if (next) { e.preventDefault(); this.save(o.id, prop, input); next.focus(); }
    }
  }

  /** Adds a step after `after` in the lane, moving the later items right to make room. */
  addInLane(band, after, kind) {
    const objs = this.client.objects;
    const items = [...objs.values()].filter((o) => o.lane === band.lane.id && LANED_KINDS.includes(o.kind)).sort((a, b) => cx(a) - cx(b));
    const d = DEFAULT_SIZE[kind];
    const gap = 200;
    const newCx = after ? cx(after) + gap : LANE_HEADER + 40 + d.w / 2;
    const ops = [];
    if (after) {
      // push everything after the insertion point right by one slot
      for (const o of items) if (cx(o) > cx(after)) ops.push({ op: 'update', id: o.id, props: { x: o.x + gap } });
    }
    const id = uuid();
    const z = zTop([...objs.values()].filter((o) => NODE_KINDS.includes(o.kind)));
    ops.unshift({ op: 'create', id, kind, props: { text: '', lane: band.lane.id, x: Math.round(newCx - d.w / 2), y: Math.round(band.y0 + (LANE_HEIGHT - d.h) / 2), w: d.w, h: d.h, z } });
    if (this.editor.commit(ops, 'create')) {
      announce(t('announce.created', { kind: kindName(kind) }));
      this.focusItem(id);
    }
  }

  addLane() {
    const id = this.editor.create('lane', 0, 0, { title: '' });
    if (id) this.focusItem(id);
  }

  addNote(after) { this.addBelow('note', after); }

  addGoal(after) { this.addBelow('goal', after); }

  /** Creates an object of kind below after (or at the view's centre) and moves the focus to it. */
  addBelow(kind, after) {
    const b = after && bounds(after);
    const x = b ? b.x + b.w / 2 : this.canvas.center().x;
    const y = b ? b.y + b.h + 20 + DEFAULT_SIZE[kind].h / 2 : this.canvas.center().y;
    const id = this.editor.create(kind, x, y);
    if (id) { announce(t('announce.created', { kind: kindName(kind) })); this.focusItem(id); }
  }

  /** Actions under their goal areas (in rank order), then those of none. */
  actionsSection(ranked, actions, ro) {
    const groups = ranked.map((g) => ({ goal: g, list: [] }));
    const byGoal = new Map(groups.map((g) => [g.goal.id, g]));
    const none = { goal: null, list: [] };
    for (const a of actions) (byGoal.get(a.goal) || none).list.push(a);
    if (none.list.length || !groups.length) groups.push(none);
    const sec = this.section('ol-actions', t('outline.actions'));
    for (const g of groups) {
      const name = g.goal ? g.goal.title || t('label.untitled') : t('action.noGoal');
      g.list.sort((a, b) => String(a.due || '9999').localeCompare(String(b.due || '9999')) || (a.y - b.y));
      const hid = `ol-act-${g.goal ? g.goal.id : 'none'}`;
      sec.append(h('h4', { id: hid }, name),
        g.list.length ? h('ul', { class: 'outline-list', 'aria-labelledby': hid }, g.list.map((o) => this.item(o, ro, { extra: this.actionFields(o, ro) })))
          : h('p', { class: 'muted' }, t('rev.noActions')),
        ro || !g.goal ? null : h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${t('action.forGoal')}: ${name}`, onclick: () => this.ctx.createAction?.(g.goal.id) }, t('action.forGoal')));
    }
    return sec;
  }

  /** Status, due date and owner of an action, editable in the list. */
  actionFields(o, ro) {
    const name = o.title || t('label.untitled');
    const status = h('select', { class: 'outline-field', 'data-key': `${o.id}:status`, disabled: ro, 'aria-label': `${t('action.status')}: ${name}`,
      onchange: (e) => this.editor.setProps(o.id, { status: e.currentTarget.value }) },
    ACTION_STATUSES.map((s) => h('option', { value: s }, t(`action.status.${s}`))));
    status.value = o.status || 'planned';
    const due = h('input', { class: 'outline-field', type: 'date', 'data-key': `${o.id}:due`, readonly: ro, value: o.due || '', 'aria-label': `${t('action.due')}: ${name}`,
      onchange: (e) => { const v = e.currentTarget.value; if (!v || /^\d{4}-\d{2}-\d{2}$/.test(v)) this.editor.setProps(o.id, { due: v || null }); } });
    const owner = h('input', { class: 'outline-field', type: 'text', maxlength: 200, 'data-key': `${o.id}:owner`, readonly: ro, value: o.owner || '', 'aria-label': `${t('action.owner')}: ${name}`,
      onchange: (e) => this.editor.setProps(o.id, { owner: e.currentTarget.value || null }) });
    return [status, due, owner];
  }

  rank(goals, i, dir) {
    const ids = goals.map((g) => g.id);
    const j = i + dir;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    this.editor.setRanks(ids);
    announce(t('rank.moved', { name: goals[i].title, rank: j + 1 }));
    requestAnimationFrame(() => this.el.querySelector(`[data-key="${goals[i].id}:title"]`)?.focus());
  }

  remove(o) {
    if (this.editor.deleteIds([o.id])) announce(t('announce.deleted', { n: 1 }));
  }

  showOnCanvas(id) {
    const btn = document.getElementById('btn-outline');
    if (btn) btn.click();
    requestAnimationFrame(() => {
      this.editor.select([id]);
      this.canvas.focusObject(id);
    });
  }
}
