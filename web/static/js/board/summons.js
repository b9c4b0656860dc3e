// Following a facilitator's summons: the view moves to where the
// facilitator points, once per summons, also just after a reload.
import { t } from '../i18n.js';
import { toast } from '../util.js';

/**
 * Returns followFocus, which the settings handler calls. getOutline returns
 * the outline view; toggleOutline(false) shows the canvas again.
 */
export function setupSummons(ctx, getOutline, toggleOutline) {
  const { client, canvas, boardId } = ctx;
  const focusKey = `processkarta.focusAt.${boardId}`;
  let firstSettings = true;
  function followFocus() {
    const f = client.settings?.focus;
    if (!f || !f.at) { firstSettings = false; return; }
    const seen = Number(sessionStorage.getItem(focusKey) || 0);
    if (f.at !== seen) {
      sessionStorage.setItem(focusKey, String(f.at));
      const recent = client.serverNow() - f.at < 120000;
      if (!firstSettings || recent) {
        if (getOutline().visible) toggleOutline(false);
        canvas.animateTo(f.x, f.y, f.zoom);
        if (!client.isFacilitator()) toast(t('summon.followed'));
      }
    }
    firstSettings = false;
  }
  return followFocus;
}
