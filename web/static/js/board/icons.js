// The toolbar's icons: small inline SVGs drawn with currentColor.
import { s } from '../util.js';

function icon(...children) { return s('svg', { viewBox: '0 0 24 24', width: 24, height: 24, 'aria-hidden': 'true', focusable: 'false', class: 'tool-icon' }, ...children); }
export function iconNote() { return icon(s('path', { d: 'M4 4h16v11l-5 5H4z', fill: '#fde047', stroke: 'currentColor', 'stroke-width': 1.6 }), s('path', { d: 'M15 20v-5h5', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6 })); }
export function iconStep() { return icon(s('rect', { x: 3, y: 6, width: 18, height: 12, rx: 3, fill: '#fff', stroke: 'currentColor', 'stroke-width': 1.8 })); }
export function iconDecision() { return icon(s('path', { d: 'M12 3l9 9-9 9-9-9z', fill: '#fef3c7', stroke: 'currentColor', 'stroke-width': 1.8 })); }
export function iconStart() { return icon(s('circle', { cx: 12, cy: 12, r: 8, fill: '#dcfce7', stroke: '#15803d', 'stroke-width': 2.2 })); }
export function iconEnd() { return icon(s('circle', { cx: 12, cy: 12, r: 8, fill: '#fee2e2', stroke: '#b91c1c', 'stroke-width': 3.5 })); }
export function iconGoal() { return icon(s('rect', { x: 3, y: 5, width: 18, height: 14, rx: 2, fill: '#fff', stroke: '#1d4ed8', 'stroke-width': 1.8 }), s('circle', { cx: 8, cy: 10, r: 2.5, fill: '#1d4ed8' }), s('path', { d: 'M12 10h6M7 15h11', stroke: 'currentColor', 'stroke-width': 1.5 })); }
export function iconAction() { return icon(s('rect', { x: 3, y: 5, width: 18, height: 14, rx: 2, fill: '#fff', stroke: '#0f766e', 'stroke-width': 1.8 }), s('path', { d: 'M6 12l3 3 6-6', fill: 'none', stroke: '#0f766e', 'stroke-width': 2 })); }
export function iconFrame() { return icon(s('rect', { x: 3, y: 4, width: 18, height: 16, rx: 2, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-dasharray': '3 2' }), s('path', { d: 'M3 9h18', stroke: 'currentColor', 'stroke-width': 1.5 })); }
export function iconLane() { return icon(s('rect', { x: 2, y: 5, width: 20, height: 6, fill: '#dbeafe', stroke: 'currentColor', 'stroke-width': 1.4 }), s('rect', { x: 2, y: 13, width: 20, height: 6, fill: '#dcfce7', stroke: 'currentColor', 'stroke-width': 1.4 })); }
export function iconMarquee() { return icon(s('rect', { x: 4, y: 4, width: 16, height: 16, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-dasharray': '3 3' })); }
export function iconLink() { return icon(s('path', { d: 'M4 18L18 6M18 6h-6M18 6v6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
export function iconUndo() { return icon(s('path', { d: 'M9 8H4V3M4 8a8 8 0 1 1 2 8', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
export function iconRedo() { return icon(s('path', { d: 'M15 8h5V3M20 8a8 8 0 1 0-2 8', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
export function iconDelete() { return icon(s('path', { d: 'M5 7h14M9 7V4h6v3M7 7l1 13h8l1-13', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })); }
