// i18n: Swedish by default, English by a switch remembered in localStorage.
// Every string lives in one table per language (i18n/sv.js, i18n/en.js).
import sv from './i18n/sv.js';
import en from './i18n/en.js';
import { store } from './util.js';

const tables = { sv, en };
const KEY = 'processkarta.lang';
let lang = tables[store.get(KEY)] ? store.get(KEY) : 'sv';
const listeners = new Set();

export function getLang() { return lang; }

/** Translates key, filling {name} placeholders from params. Falls back to Swedish, then the key. */
export function t(key, params) {
  // Singular forms: a key with ".one" is used when params.n is 1.
  if (params && params.n === 1 && (tables[lang][`${key}.one`] ?? sv[`${key}.one`]) !== undefined) key = `${key}.one`;
  let s = tables[lang][key] ?? sv[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m));
  return s;
}

/** Like t, but returns undefined when the key is missing in both tables. */
export function tMaybe(key, params) {
  return (tables[lang][key] ?? sv[key]) === undefined ? undefined : t(key, params);
}

export function setLang(l) {
  if (!tables[l] || l === lang) return;
  lang = l;
  store.set(KEY, l);
  applyI18n();
  for (const f of listeners) f(l);
}

export function onLang(f) { listeners.add(f); }

/** Fills data-i18n (text), data-i18n-aria (aria-label), data-i18n-title, data-i18n-placeholder. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-aria]')) e.setAttribute('aria-label', t(e.dataset.i18nAria));
  for (const e of root.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
  for (const e of root.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const e of root.querySelectorAll('[data-i18n-roledesc]')) e.setAttribute('aria-roledescription', t(e.dataset.i18nRoledesc));
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}

/** Wires a language switch button (#lang-switch): shows the other language's name. */
export function initLangSwitch(button) {
  if (!button) return;
  const show = () => {
    const other = lang === 'sv' ? 'en' : 'sv';
    button.textContent = tables[other]['lang.name'];
    button.setAttribute('lang', other);
    button.setAttribute('aria-label', tables[other]['lang.switch']);
  };
  button.addEventListener('click', () => { setLang(lang === 'sv' ? 'en' : 'sv'); show(); });
  show();
}
