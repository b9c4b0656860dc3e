// Properties panel: a form for the selected object (text, colors, lane,
// variant, goal fields, arrows) — the accessible way to change everything
// the canvas changes by pointer.
import { h, announce } from './util.js';
import { patch } from './morph.js';
import { t } from './i18n.js';
import { kindName } from './labels.js';
import {
  laneBands, textOf, NOTE_COLORS, STEP_COLORS, LANE_COLORS, LANED_KINDS, LANE_HEIGHT, bounds, NODE_KINDS, ACTION_STATUSES,
} from './model.js';

export class Inspector {
  constructor(el, ctx) {
    this.el = el;
    this.client = ctx.client;
    this.editor = ctx.editor;
    this.canvas = ctx.canvas;
    this.createAction = (goalId) => ctx.createAction?.(goalId);
    // Changes to the board are rendered once per frame (and not while a
    // pointer is down in the panel) through the board page's queue.
    this.request = ctx.requestPanel || (() => this.render());
    this.editor.addEventListener('selection', () => this.render());
    // Changes to the selection, to links and lanes (listed in the form) or
    // to much at once.
    this.client.addEventListener('change', (e) => {
      if (this.el.hidden) return;
      const ids = e.detail.ids;
      const shown = (id) => {
        if (this.editor.selection.has(id)) return true;
        const o = this.client.objects.get(id);
        return !o || o.kind === 'link' || o.kind === 'lane';
      };
      if (ids.size > 20 || [...ids].some(shown)) this.request();
    });
  }

  // The form is rendered anew and patched into the page in place
  // (morph.js), which keeps the focus and what is being typed: handlers
  // find their elements from the event, never from the render.
  render() {
    if (this.el.hidden) return;
    patch(this.el, this.content());
  }

  content() {
    const sel = this.editor.selected();
    const ro = !this.client.canEdit();
    if (!sel.length) return [h('h2', { class: 'panel-title' }, t('inspect.title')), h('p', { class: 'muted' }, t('inspect.none'))];
    if (sel.length > 1) return [h('h2', { class: 'panel-title' }, t('inspect.many', { n: sel.length })), this.actions(sel, ro)];
    const o = sel[0];
    const form = h('form', { class: 'form inspector-form', onsubmit: (e) => e.preventDefault() });
    const add = (...n) => form.append(...n);
    switch (o.kind) {
      case 'lane':
        add(this.input(o, 'title', t('field.laneTitle'), ro, 200));
        add(this.swatches(o, 'color', LANE_COLORS, ro));
        if (!ro) {
          add(h('div', { class: 'row' },
            h('button', { type: 'button', class: 'btn', 'data-key': 'lane-up', onclick: () => this.editor.moveLane(o.id, -1) }, t('lane.up')),
            h('button', { type: 'button', class: 'btn', 'data-key': 'lane-down', onclick: () => this.editor.moveLane(o.id, 1) }, t('lane.down'))));
        }
        break;
      case 'step': case 'decision': case 'event': case 'note':
        add(this.input(o, 'text', t('field.text'), ro, 4000, true));
        if (o.kind === 'event') add(this.select(o, 'variant', t('field.variant'), [['start', t('kind.event.start')], ['end', t('kind.event.end')]], ro));
        if (o.kind === 'note') add(this.swatches(o, 'color', NOTE_COLORS, ro));
        if (o.kind === 'step') add(this.swatches(o, 'color', STEP_COLORS, ro));
        if (LANED_KINDS.includes(o.kind)) add(this.laneSelect(o, ro));
        break;
      case 'goal':
        add(this.input(o, 'title', t('field.title'), ro, 200));
        add(this.input(o, 'description', t('field.description'), ro, 4000, true));
        add(this.input(o, 'target', t('field.target'), ro, 4000));
        add(this.input(o, 'indicator', t('field.indicator'), ro, 4000));
        add(this.input(o, 'owner', t('field.owner'), ro, 200));
        add(this.number(o, 'rank', t('field.rank'), ro));
        if (!ro && this.createAction) {
          add(h('button', { type: 'button', class: 'btn', 'data-key': 'new-action', onclick: () => this.createAction(o.id) }, t('action.forGoal')));
        }
        break;
      case 'action': {
        add(this.input(o, 'title', t('field.title'), ro, 200));
        add(this.input(o, 'description', t('field.description'), ro, 4000, true));
        const goals = [...this.client.objects.values()].filter((x) => x.kind === 'goal')
          .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || String(a.title).localeCompare(String(b.title), 'sv'));
        add(this.select(o, 'goal', t('action.goal'), [['', t('action.noGoal')], ...goals.map((g) => [g.id, g.title || t('label.untitled')])], ro, true));
        add(this.input(o, 'owner', t('action.owner'), ro, 200));
        add(this.input(o, 'responsible', t('action.responsible'), ro, 200));
        add(this.date(o, 'due', t('action.due'), ro));
        add(this.select(o, 'status', t('action.status'), ACTION_STATUSES.map((s) => [s, t(`action.status.${s}`)]), ro));
        break;
      }
      case 'frame':
        add(this.input(o, 'title', t('field.title'), ro, 200));
        break;
      case 'link': {
        add(this.input(o, 'label', t('field.label'), ro, 200));
        const a = this.client.objects.get(o.from), b = this.client.objects.get(o.to);
        add(h('p', {}, t('link.fromTo', { from: textOf(a) || t('label.empty'), to: textOf(b) || t('label.empty') })));
        if (!ro) add(h('button', { type: 'button', class: 'btn', 'data-key': 'reverse', onclick: () => this.editor.setProps(o.id, { from: o.to, to: o.from }, 'reverse') }, t('link.reverse')));
        break;
      }
      default:
    }
    if (NODE_KINDS.includes(o.kind) && !ro) add(this.linkAdder(o));
    return [h('h2', { class: 'panel-title' }, kindName(o.kind, o.variant)), form, this.actions(sel, ro)];
  }

  input(o, prop, label, ro, max, multi = false) {
    const id = `insp-${prop}`;
    const change = (e) => {
      const cur = this.client.objects.get(o.id);
      if (!cur) return;
      const v = e.currentTarget.value;
      this.editor.setProps(o.id, { [prop]: v === '' && !['title', 'text'].includes(prop) ? null : v });
      announce(t('announce.saved'));
    };
    // A text someone else is editing is taken here as on the canvas: the
    // field gives the focus back and the page offers to take it over; while
    // we type here, others see us as editing it.
    const focus = (e) => {
      if (ro) return;
      const by = this.canvas.takenBy?.(o.id);
      if (by) {
        e.currentTarget.blur();
        this.canvas.dispatchEvent(new CustomEvent('taken', { detail: { id: o.id, participant: by } }));
        return;
      }
      this.client.setPresence({ editing: o.id });
    };
    const blur = () => { if (!ro && !this.canvas.editing) this.client.setPresence({ editing: null }); };
    const el = multi
      ? h('textarea', { id, rows: 3, maxlength: max, readonly: ro, onchange: change, onfocus: focus, onblur: blur })
      : h('input', { id, type: 'text', maxlength: max, readonly: ro, onchange: change, onfocus: focus, onblur: blur,
        onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); e.currentTarget.dispatchEvent(new Event('change')); } } });
    el.value = o[prop] ?? '';
    return h('div', { class: 'field' }, h('label', { for: id }, label), el);
  }

  number(o, prop, label, ro) {
    const id = `insp-${prop}`;
    const el = h('input', { id, type: 'number', step: 1, readonly: ro, inputmode: 'numeric', onchange: (e) => {
      const s = e.currentTarget.value;
      const v = s === '' ? null : Number(s);
      if (v !== null && !Number.isFinite(v)) return;
      this.editor.setProps(o.id, { [prop]: v });
    } });
    el.value = o[prop] ?? '';
    return h('div', { class: 'field' }, h('label', { for: id }, label), el);
  }

  select(o, prop, label, options, ro, emptyUnsets = false) {
    const id = `insp-${prop}`;
    const el = h('select', { id, disabled: ro, onchange: (e) => this.editor.setProps(o.id, { [prop]: e.currentTarget.value === '' && emptyUnsets ? null : e.currentTarget.value }) },
      options.map(([v, txt]) => h('option', { value: v }, txt)));
    el.value = o[prop] ?? options[0][0];
    return h('div', { class: 'field' }, h('label', { for: id }, label), el);
  }

  /** A date field (YYYY-MM-DD); a date the browser cannot read is refused here, before the server. */
  date(o, prop, label, ro) {
    const id = `insp-${prop}`;
    const err = `${id}-error`;
    const el = h('input', { id, type: 'date', readonly: ro, 'aria-describedby': err, onchange: (e) => {
      const input = e.currentTarget;
      const v = input.value;
      if (v && !/^\d{4}-\d{2}-\d{2}$/.test(v)) {
        input.setAttribute('aria-invalid', 'true');
        input.closest('.field').querySelector('.form-error').textContent = t('action.badDate');
        return;
      }
      input.removeAttribute('aria-invalid');
      input.closest('.field').querySelector('.form-error').textContent = '';
      this.editor.setProps(o.id, { [prop]: v || null });
      announce(t('announce.saved'));
    } });
    el.value = o[prop] ?? '';
    return h('div', { class: 'field' }, h('label', { for: id }, label), el, h('p', { id: err, class: 'form-error' }));
  }

  swatches(o, prop, colors, ro) {
    const name = `insp-${prop}`;
    const group = h('fieldset', { class: 'swatches' }, h('legend', {}, t('field.color')));
    colors.forEach((c, i) => {
      const id = `${name}-${i}`;
      const r = h('input', { type: 'radio', name, id, value: c, disabled: ro, class: 'sr-only',
        onchange: (e) => { if (e.currentTarget.checked) this.editor.setProps(o.id, { [prop]: c }); } });
      r.checked = (o[prop] || colors[0]).toLowerCase() === c;
      const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = c;
      group.append(h('span', { class: 'swatch-item' }, r, h('label', { for: id, title: t(`color.${c}`) }, sw, h('span', { class: 'sr-only' }, t(`color.${c}`)))));
    });
    return group;
  }

  laneSelect(o, ro) {
    const id = 'insp-lane';
    const bands = laneBands(this.client.objects);
    const el = h('select', { id, disabled: ro, onchange: (e) => {
      const cur = this.client.objects.get(o.id);
      if (!cur) return;
      const value = e.currentTarget.value;
      const band = bands.find((b) => b.lane.id === value);
      const props = { lane: value || null };
      if (band) {
        // move it into the lane's band so the map and the data agree
        const b = bounds(cur);
        if (cur.kind === 'event') props.y = band.y0 + LANE_HEIGHT / 2;
        else props.y = Math.round(band.y0 + (LANE_HEIGHT - b.h) / 2);
        if (b.x < 0 || b.x > 2400) props.x = 200;
      }
      this.editor.setProps(o.id, props, 'lane');
    } },
    h('option', { value: '' }, t('field.noLane')),
    bands.map((b) => h('option', { value: b.lane.id }, b.lane.title || t('label.untitledLane'))));
    el.value = o.lane || '';
    return h('div', { class: 'field' }, h('label', { for: id }, t('field.lane')), el);
  }

  linkAdder(o) {
    const id = 'insp-link-to';
    const others = [...this.client.objects.values()].filter((x) => x.id !== o.id && NODE_KINDS.includes(x.kind));
    const el = h('select', { id }, h('option', { value: '' }, t('link.choose')),
      others.map((x) => h('option', { value: x.id }, `${kindName(x.kind, x.variant)}: ${textOf(x) || t('label.empty')}`)));
    const btn = h('button', { type: 'button', class: 'btn', 'data-key': 'link-add', onclick: (e) => {
      const to = e.currentTarget.closest('.field').querySelector('select');
      if (!to.value) return;
      const target = this.client.objects.get(to.value);
      if (this.editor.link(o.id, to.value)) announce(t('announce.linked', { from: textOf(o) || t('label.empty'), to: textOf(target) || t('label.empty') }));
      to.value = '';
    } }, t('link.add'));
    const outgoing = [...this.client.objects.values()].filter((x) => x.kind === 'link' && (x.from === o.id || x.to === o.id));
    return h('div', { class: 'field' },
      h('label', { for: id }, t('link.to')),
      h('div', { class: 'row' }, el, btn),
      outgoing.length ? h('ul', { class: 'link-list' }, outgoing.map((l) => {
        const other = this.client.objects.get(l.from === o.id ? l.to : l.from);
        const txt = `${l.from === o.id ? '→' : '←'} ${textOf(other) || t('label.empty')}${l.label ? ` (${l.label})` : ''}`;
        return h('li', { 'data-key': `link-${l.id}` }, h('span', {}, txt), h('button', { type: 'button', class: 'btn btn-small', 'data-key': `unlink-${l.id}`, 'aria-label': t('link.removeNamed', { name: txt }), onclick: () => this.editor.deleteIds([l.id]) }, t('common.remove')));
      })) : null);
  }

  actions(sel, ro) {
    if (ro) return h('p', { class: 'muted' }, t('inspect.readOnly'));
    const movable = sel.some((o) => o.kind !== 'lane' && o.kind !== 'link');
    return h('div', { class: 'row actions' },
      movable ? h('button', { type: 'button', class: 'btn', 'data-key': 'duplicate', onclick: () => this.editor.duplicate() }, t('action.duplicate')) : null,
      movable ? h('button', { type: 'button', class: 'btn', 'data-key': 'front', onclick: () => this.editor.toFront() }, t('action.front')) : null,
      movable ? h('button', { type: 'button', class: 'btn', 'data-key': 'back', onclick: () => this.editor.toBack() }, t('action.back')) : null,
      h('button', { type: 'button', class: 'btn btn-danger', 'data-key': 'delete', onclick: () => { const n = this.editor.selection.size; if (this.editor.deleteSelection()) announce(t('announce.deleted', { n })); } }, t('action.delete')));
  }
}
