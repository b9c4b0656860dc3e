// Participants panel: everyone on the board grouped by administration and
// position, with online state; facilitators can change roles and remove.
import { h, announce, colorFor } from './util.js';
import { patch } from './morph.js';
import { t, getLang } from './i18n.js';
import { api, showError } from './api.js';
import { positionName, roleName, POSITIONS, ROLES } from './labels.js';

export class People {
  constructor(el, { client, boardId, token }) {
    this.el = el;
    this.client = client;
    this.boardId = boardId;
    this.token = token;
    // The board page renders the panel on participants messages.
    client.addEventListener('presence', () => this.renderEditing());
  }

  // Rendered anew and patched into the page in place (morph.js).
  render() {
    if (this.el.hidden) return;
    const c = this.client;
    // A large board's welcome lists only some people (realtime.js): while
    // that is so, the count is the server's and everyone is asked for once.
    const partial = c.participantsPartial;
    if (partial) c.wantAllParticipants();
    const ps = c.participants || [];
    const online = ps.filter((p) => p.online).length;
    // "1 000 deltagare": a large board's count grouped as the language writes it.
    const num = (n) => n.toLocaleString(getLang() === 'sv' ? 'sv-SE' : 'en-GB');
    const count = partial ? t('people.countAll', { n: num(c.participantCount) }) : t('people.count', { n: num(ps.length), online: num(online) });
    const out = [h('h2', { class: 'panel-title' }, t('people.title')),
      h('p', { class: 'muted people-count' }, count,
        h('span', { class: 'people-loading', 'data-key': 'people-loading', 'aria-live': 'polite' }, partial ? ` · ${t('people.loading')}` : ''))];
    const byAdm = new Map();
    for (const p of ps) {
      const a = (p.administration || '').trim() || t('people.noAdministration');
      if (!byAdm.has(a)) byAdm.set(a, []);
      byAdm.get(a).push(p);
    }
    const fac = this.client.isFacilitator();
    for (const [adm, list] of [...byAdm].sort((a, b) => a[0].localeCompare(b[0], 'sv'))) {
      const sec = h('section', { class: 'people-group', 'data-key': `adm-${adm}` });
      const sw = h('span', { class: 'adm-swatch', 'aria-hidden': 'true' });
      sw.style.backgroundColor = colorFor(adm === t('people.noAdministration') ? '' : adm);
      sec.append(h('h3', {}, sw, adm));
      for (const pos of POSITIONS) {
        const group = list.filter((p) => (p.position || 'other') === pos).sort((a, b) => a.name.localeCompare(b.name, 'sv'));
        if (!group.length) continue;
        sec.append(h('h4', {}, positionName(pos)));
        sec.append(h('ul', { class: 'people-list' }, group.map((p) => this.person(p, fac))));
      }
      out.push(sec);
    }
    patch(this.el, out);
  }

  editingText(id) {
    const peer = this.client.peers.get(id);
    return peer && peer.editing ? ` · ${t('people.editingNow')}` : '';
  }

  person(p, fac) {
    const me = this.client.me && p.id === this.client.me.id;
    const li = h('li', { class: `person${p.online ? ' online' : ''}`, 'data-participant': p.id },
      h('span', { class: 'online-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'person-name' }, p.name, me ? ` (${t('people.you')})` : ''),
      h('span', { class: 'sr-only' }, `, ${p.online ? t('people.online') : t('people.offline')}`),
      p.role !== 'participant' ? h('span', { class: `role-badge role-${p.role}` }, roleName(p.role)) : null,
      h('span', { class: 'person-editing', 'data-editing-for': p.id }, this.editingText(p.id)));
    if (fac && !me) {
      const id = `role-${p.id}`;
      const sel = h('select', { id, class: 'role-select', onchange: (e) => this.setRole(p, e.currentTarget) }, ROLES.map((r) => h('option', { value: r }, roleName(r))));
      sel.value = p.role;
      li.append(h('span', { class: 'person-admin' },
        h('label', { for: id, class: 'sr-only' }, t('people.roleFor', { name: p.name })), sel,
        h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-key': `remove-${p.id}`, 'aria-label': t('people.removeNamed', { name: p.name }), onclick: () => this.remove(p) }, t('common.remove'))));
    }
    return li;
  }

  async setRole(p, sel) {
    const role = sel.value;
    try {
      await api(`/api/boards/${encodeURIComponent(this.boardId)}/participants/${encodeURIComponent(p.id)}`, { method: 'PUT', body: { role }, token: this.token });
      announce(t('people.roleChanged', { name: p.name, role: roleName(role) }));
    } catch (e) { sel.value = p.role; showError(e); }
  }

  async remove(p) {
    if (!confirm(t('people.confirmRemove', { name: p.name }))) return;
    try {
      await api(`/api/boards/${encodeURIComponent(this.boardId)}/participants/${encodeURIComponent(p.id)}`, { method: 'DELETE', token: this.token });
      announce(t('people.removed', { name: p.name }));
    } catch (e) { showError(e); }
  }

  renderEditing() {
    if (this.el.hidden) return;
    for (const span of this.el.querySelectorAll('[data-editing-for]')) {
      const text = this.editingText(span.dataset.editingFor);
      if (span.textContent !== text) span.textContent = text;
    }
  }
}
