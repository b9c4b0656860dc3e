// In-place text editing on the canvas: the textarea over an object.
import { announce } from '../util.js';
import { t } from '../i18n.js';
import { bounds, textProp, LANE_HEIGHT, LANE_HEADER, EVENT_R } from '../model.js';

/** Methods of Canvas (canvas.js), which copies them onto its prototype. */
export class CanvasEditing {
  /** The participant id of someone else who is editing id's text, or null. */
  takenBy(id) {
    for (const p of this.client.peers.values()) if (p.editing === id) return p.participant;
    return null;
  }

  /**
   * Opens the in-place editor on id's text. While someone else edits it,
   * it is taken: a 'taken' event {id, participant} asks the page to offer a
   * take-over, which calls startEdit(id, {takeOver: true}).
   */
  startEdit(id, { takeOver = false } = {}) {
    const o = this.client.objects.get(id);
    if (!o) return;
    if (!this.client.canEdit()) { announce(t('announce.readOnly'), true); return; }
    const by = this.takenBy(id);
    if (by && !takeOver) { this.dispatchEvent(new CustomEvent('taken', { detail: { id, participant: by } })); return; }
    if (this.editing) this.commitEdit();
    const prop = textProp(o.kind);
    this.editing = { id, prop, original: o[prop] || '', takeOver };
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
    const o = this.shownObj(id);
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
    ta.style.fontSize = `${Math.max(14, Math.min(32, 20 * k))}px`;
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
      this.editor.setProps(ed.id, { [ed.prop]: value || (['title'].includes(ed.prop) && (o.kind === 'goal' || o.kind === 'lane' || o.kind === 'action') ? o[ed.prop] : value) }, 'text');
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

  /**
   * Keeps the editor honest about others: text that changed meanwhile is
   * shown if nothing was typed yet, and when someone takes the text over,
   * what was typed is stored and the editor closes ('takenover' event).
   */
  watchEditing() {
    const ed = this.editing;
    if (!ed) return;
    const o = this.client.objects.get(ed.id);
    const now = (o && o[ed.prop]) || '';
    if (o && now !== ed.original && this.textarea.value === ed.original) {
      this.textarea.value = now;
      ed.original = now;
    }
    const by = this.takenBy(ed.id);
    if (by && !ed.takeOver) {
      this.commitEdit();
      this.dispatchEvent(new CustomEvent('takenover', { detail: { id: ed.id, participant: by } }));
    } else if (!by) ed.takeOver = false; // the other person is done: a later take-over counts again
  }
}
