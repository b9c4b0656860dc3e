// Edits nobody loses, as the board page shows them: a text someone else
// is editing is taken (take it over, or leave it); whoever's text was
// taken over or replaced is told, the replaced text one undo away; an edit
// made offline that clashes with a later change is offered to its author.
import { t } from '../i18n.js';
import { h, toast, announce } from '../util.js';
import { textOf } from '../model.js';

/** Wires the notices and dialogs; ctx is the board page's context. */
export function setupEditing(ctx) {
  const { client, editor, canvas } = ctx;
  const nameOf = (pid) => client.participant(pid)?.name || t('label.someone');
  // These texts are shown once: on a large board, wait a moment for the
  // names they hold rather than say "Någon" (realtime.js, whenParticipants).
  const named = (pids, show) => { if (pids.some((id) => client.awaiting(id))) client.whenParticipants(pids).then(show); else show(); };
  const what = (id) => {
    const o = client.objects.get(id);
    return textOf(o) || t('label.empty');
  };

  canvas.addEventListener('taken', (e) => {
    const { id, participant } = e.detail;
    named([participant], () => dialog({
      title: t('edit.takenTitle'),
      text: t('edit.taken', { name: nameOf(participant) }),
      actions: [
        { label: t('edit.takeOver'), run: () => canvas.startEdit(id, { takeOver: true }) },
        { label: t('common.cancel'), run: () => canvas.focusObject(id, false) },
      ],
    }));
  });

  canvas.addEventListener('takenover', (e) => {
    named([e.detail.participant], () => toast(t('edit.takenOver', { name: nameOf(e.detail.participant) }), 'error'));
  });

  client.addEventListener('overwritten', (e) => {
    const { id, prop, mine, author, after } = e.detail;
    if (!after) return;
    // One undo brings our text back (only where nobody changed it since).
    editor.undoStack.push({ before: new Map([[id, { ...after, [prop]: mine }]]), after: new Map([[id, after]]), label: 'text' });
    editor.redoStack = [];
    editor.emit('history');
    named([author], () => toast(t('edit.overwritten', { name: nameOf(author), text: short(mine) }), 'error'));
  });

  client.addEventListener('conflict', (e) => {
    const { id, conflicts } = e.detail;
    const c = conflicts[0];
    named(conflicts.map((x) => x.author), () => dialog({
      title: t('edit.conflictTitle'),
      text: t('edit.conflict', { name: nameOf(c.author), what: short(what(c.id)) }),
      details: conflicts.map((x) => [t('edit.yours', { text: show(x.mine) }), t('edit.theirs', { name: nameOf(x.author), text: show(x.theirs) })]),
      actions: [
        { label: t('edit.keepMine'), run: () => { client.resolveConflict(id, true); announce(t('edit.keptMine')); } },
        { label: t('edit.keepTheirs'), run: () => { client.resolveConflict(id, false); announce(t('edit.keptTheirs')); } },
      ],
      noCancel: true,
    }));
  });
}

function short(s) { s = String(s ?? ''); return s.length > 60 ? `${s.slice(0, 57)}…` : s; }
function show(v) { return typeof v === 'string' ? short(v) || '–' : JSON.stringify(v); }

/** A modal dialog with a title, a text, optional pairs of lines, and buttons. */
function dialog({ title, text, details = [], actions, noCancel = false }) {
  const dlg = h('dialog', { class: 'dialog edit-dialog', 'aria-labelledby': 'edit-dialog-title' },
    h('h2', { id: 'edit-dialog-title', tabindex: -1 }, title),
    h('p', {}, text),
    details.length ? h('ul', { class: 'conflict-list' }, details.map(([a, b]) => h('li', {}, h('div', {}, a), h('div', {}, b)))) : null,
    h('div', { class: 'dialog-actions' }, actions.map((a, i) => h('button', {
      type: 'button', class: i === 0 ? 'btn btn-primary' : 'btn',
      onclick: () => { dlg.close(); a.run(); },
    }, a.label))));
  if (noCancel) dlg.addEventListener('cancel', (e) => e.preventDefault());
  document.body.append(dlg);
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  dlg.querySelector('.dialog-actions button').focus();
}
