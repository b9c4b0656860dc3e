// The board page's keyboard shortcuts: undo and redo everywhere; copy,
// paste, duplicate, select all, delete and help outside text fields; the
// single-letter ones from the canvas, the toolbar or the page itself.
import { t } from '../i18n.js';
import { announce } from '../util.js';
import { showHelp } from './help.js';

/** Listens for the shortcuts; tb holds the toolbar's commands. */
export function setupShortcuts(ctx, tb, getOutline) {
  const { client, editor, canvas } = ctx;
  const { toolbar, create, createAction, undo, redo, deleteSelection, linkSelected, vote } = tb;
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented) return;
    const tg = e.target;
    if (tg.closest && tg.closest('input, textarea, select, [contenteditable], dialog')) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    const outline = getOutline();
    const inOutline = outline.visible && tg.closest && tg.closest('#outline');
    if (ctrl && k === 'z' && !e.shiftKey) { e.preventDefault(); undo(); return; }
    if (ctrl && ((k === 'z' && e.shiftKey) || k === 'y')) { e.preventDefault(); redo(); return; }
    if (inOutline) return;
    if (ctrl && k === 'c') { const n = editor.copy(); if (n) { e.preventDefault(); announce(t('announce.copied', { n })); } return; }
    if (ctrl && k === 'x') { const n = editor.copy(); if (n) { e.preventDefault(); deleteSelection(); } return; }
    if (ctrl && k === 'v') { e.preventDefault(); if (!client.canEdit()) { announce(t('announce.readOnly'), true); return; } const n = editor.paste(); if (n) announce(t('announce.pasted', { n })); return; }
    if (ctrl && k === 'd') { e.preventDefault(); if (!client.canEdit()) return; const n = editor.duplicate(); if (n) announce(t('announce.duplicated', { n })); return; }
    if (ctrl && k === 'a') {
      if (!canvas.svg.contains(tg) && tg !== document.body) return;
      e.preventDefault();
      editor.select([...client.objects.values()].filter((o) => o.kind !== 'lane' && o.kind !== 'link').map((o) => o.id));
      announce(t('announce.selected', { n: editor.selection.size }));
      return;
    }
    if (ctrl || e.altKey) return;
    if (e.key === 'Delete' || e.key === 'Backspace') { if (editor.selection.size) { e.preventDefault(); deleteSelection(); } return; }
    if (e.key === '?') { e.preventDefault(); showHelp(); return; }
    // single-letter shortcuts: only from the canvas, the toolbar or the page itself
    if (!(canvas.svg.contains(tg) || toolbar.contains(tg) || tg === document.body)) return;
    const focused = canvas.focusedId;
    switch (k) {
      case 'n': e.preventDefault(); create('note'); break;
      case 's': e.preventDefault(); create('step'); break;
      case 'd': e.preventDefault(); create('decision'); break;
      case 'e': e.preventDefault(); create('event', { variant: e.shiftKey ? 'end' : 'start' }); break;
      case 'g': e.preventDefault(); create('goal'); break;
      case 'a': e.preventDefault(); createAction(); break;
      case 'f': e.preventDefault(); create('frame'); break;
      case 'l': e.preventDefault(); create('lane'); break;
      case 'k': e.preventDefault(); linkSelected(); break;
      case 'v': if (focused) { e.preventDefault(); vote(focused, e.shiftKey ? -1 : 1); } break;
      case ']': e.preventDefault(); editor.toFront(); break;
      case '[': e.preventDefault(); editor.toBack(); break;
      default:
    }
  });
}
