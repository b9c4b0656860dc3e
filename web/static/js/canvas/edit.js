// In-place text editing on the canvas: the textarea over an object.
import { announce } from '../util.js';
import { t } from '../i18n.js';
import { bounds, textProp, LANE_HEIGHT, LANE_HEADER, EVENT_R } from '../model.js';

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasEditing {
  startEdit(id) {
    const o = this.client.objects.get(id);
    if (!o) return;
    if (!this.client.canEdit()) { announce(t('announce.readOnly'), true); return; }
    if (this.editing) this.commitEdit();
    const prop = textProp(o.kind);
    this.editing = { id, prop, original: o[prop] || '' };
    this.ensureVisible(id);
    const ta = this.textarea;
    ta.value = o[prop] || '';
    ta.hidden = false;
    ta.setAttribute('aria-label', t('canvas.editLabel', { kind: t(`kind.${o.kind === 'event' ? `event.${o.variant || 'start'}` : o.kind}`) }));
    ta.maxLength = ['title', 'label'].includes(prop) ? 200 : 4000;
    this.positionEditor();
    ta.focus({ preventScroll: true });
    ta.select();
    this.client.setPresence({ editing: id });
    announce(t('announce.editing'));
  }

  positionEditor() {
    if (!this.editing) return;
    const { id } = this.editing;
    const o = this.client.objects.get(id);
    if (!o) { this.cancelEdit(); return; }
    const k = this.view.s;
    let b = bounds(o, this.client.objects);
    if (o.kind === 'lane') b = { x: 0, y: b.y, w: LANE_HEADER, h: LANE_HEIGHT };
    if (o.kind === 'event') b = { x: o.x - 90, y: o.y + EVENT_R + 2, w: 180, h: 60 };
    if (o.kind === 'link') { const el = this.els.get(id); const m = el && el._mid ? el._mid : { x: 0, y: 0 }; b = { x: m.x - 110, y: m.y - 24, w: 220, h: 48 }; }
    if (!b) b = { x: 0, y: 0, w: 200, h: 80 };
    const p = this.toScreen(b.x, b.y);
    const ta = this.textarea;
    const w = Math.max(140, b.w * k), hh = Math.max(44, b.h * k);
    ta.style.left = `${Math.round(p.x)}px`;
    ta.style.top = `${Math.round(p.y)}px`;
    ta.style.width = `${Math.round(w)}px`;
    ta.style.height = `${Math.round(hh)}px`;
    ta.style.fontSize = `${Math.max(14, Math.min(28, 16 * k))}px`;
  }

  onEditorKey(e) {
    if (e.key === 'Escape') { e.preventDefault(); this.cancelEdit(); return; }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey) { e.preventDefault(); this.commitEdit(); }
    if (e.key === 'Tab') { e.preventDefault(); this.commitEdit(); }
  }

  commitEdit() {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    const value = this.textarea.value.replace(/\r/g, '');
    this.closeEditor(ed.id);
    const o = this.client.objects.get(ed.id);
    if (o && value !== (o[ed.prop] || '')) {
      if (ed.prop === 'title' && !value.trim() && o.kind === 'lane') return;
      this.editor.setProps(ed.id, { [ed.prop]: value || (['title'].includes(ed.prop) && (o.kind === 'goal' || o.kind === 'lane') ? o[ed.prop] : value) }, 'text');
      announce(t('announce.saved'));
    }
  }

  cancelEdit() {
    const ed = this.editing;
    if (!ed) return;
    this.editing = null;
    this.closeEditor(ed.id);
    announce(t('announce.cancelled'));
  }

  closeEditor(id) {
    this.textarea.hidden = true;
    this.client.setPresence({ editing: null });
    if (this.els.has(id)) this.focusObject(id, false);
    else this.svg.focus();
  }
}
