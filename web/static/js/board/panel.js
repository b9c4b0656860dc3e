// The board page's side panel: its tabs (properties, people, results,
// facilitation), rendered in place through one queue, and opening and
// closing it.
import { t } from '../i18n.js';
import { $, h, store } from '../util.js';
import { Inspector } from '../inspector.js';
import { People } from '../people.js';
import { Facilitation, Results } from '../facilitator.js';
import { patch, RenderQueue } from '../morph.js';

/** Sets up the panel and ctx.requestPanel; returns the active tab's getter. */
export function setupPanel(ctx) {
  const { client } = ctx;
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
  return { activeTab: () => activeTab };
}
