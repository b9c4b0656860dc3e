// Display names for server values (phases, positions, roles, kinds).
import { t, tMaybe } from './i18n.js';

export const POSITIONS = ['politician', 'manager', 'official', 'other'];
export const ROLES = ['facilitator', 'participant', 'observer'];
export const TEMPLATE_PHASES = {
  blank: ['Idéer', 'Diskutera', 'Klart'],
  'process-map': ['Nuläge', 'Hinder', 'Prioritera', 'Åtgärder', 'Klart'],
  'goal-workshop': ['Idéer', 'Gruppera', 'Rösta', 'Prioritera', 'Klart'],
};

export function phaseName(p) { return tMaybe(`phase.${p}`) ?? p; }
export function positionName(p) { return tMaybe(`position.${p}`) ?? p; }
export function roleName(r) { return tMaybe(`role.${r}`) ?? r; }
export function kindName(k, variant) { return t(`kind.${k === 'event' ? `event.${variant || 'start'}` : k}`); }
