// The organizer's session in this browser: the organizer key, the selected
// municipality and which board tokens are a facilitator's. Kept in
// localStorage, so that a new tab or a reopened browser on the
// conference-room PC is still signed in until "Logga ut" (sessionStorage is
// per tab). The language is kept by i18n.js, likewise.
//
// Everything that knows where the organizer's credential lives is here: the
// organizer key (for the instance's administrator), or an account's
// session, an HttpOnly cookie the browser sends by itself.
import { store, tokenKey } from './util.js';
import { api } from './api.js';

const KEY = 'processkarta.organizerKey';
const SEL = 'processkarta.municipality';
const FAC = (boardId) => `processkarta.facilitator.${boardId}`;

/** The organizer key of this browser's session, or null. */
export function organizerKey() { return store.get(KEY); }

/** Starts a session with key (checked by the caller). */
export function signIn(key) { store.set(KEY, key); }

/** Ends the session: the key and the selected municipality are forgotten,
 * and a signed-in account's session ends on the server too. */
export function signOut() {
  store.del(KEY); store.del(SEL);
  if (account) api('/api/session', { method: 'DELETE' }).catch(() => {});
  account = null;
}

// The account signed in with this browser's session cookie (HttpOnly: the
// page never sees the cookie, only GET /api/session's answer).
let account = null;
let oidc = false;
let landing = '/';

/** Asks the server who is signed in: {account, landing, oidc}. */
export async function loadAccount() {
  try {
    const s = await api('/api/session');
    account = s.account || null;
    oidc = !!s.oidc;
    landing = s.landing || '/';
  } catch { account = null; }
  return { account, oidc, landing };
}

/** Signs in with e-mail and password; throws ApiError when refused. */
export async function signInAccount(email, password) {
  const s = await api('/api/session', { method: 'POST', body: { email, password } });
  account = s.account;
  landing = s.landing || '/';
  return { account, landing };
}

/** The signed-in account, or null (after loadAccount). */
export function currentAccount() { return account; }

/** Whether anyone is signed in: the organizer key or an account. */
export function signedIn() { return !!organizerKey() || !!account; }

/** The municipality last selected on the start page. */
export function selectedMunicipality() { return store.get(SEL); }
export function selectMunicipality(code) { store.set(SEL, code); }

/** Keeps a facilitator token for a board. */
export function rememberFacilitator(boardId, token) {
  store.set(tokenKey(boardId), token);
  store.set(FAC(boardId), '1');
}

/**
 * Returns a facilitator token for the board: the one this browser holds,
 * or a new one from POST /api/boards/{id}/facilitate with the organizer
 * key (null without a session). profile {name, administration, position}
 * names the new facilitator.
 */
export async function facilitatorToken(boardId, profile = {}) {
  const have = store.get(tokenKey(boardId));
  if (have && store.get(FAC(boardId))) return have;
  const key = organizerKey();
  if (!key && !account) return null;
  const body = {};
  for (const k of ['name', 'administration', 'position']) if (profile[k]) body[k] = profile[k];
  const r = await api(`/api/boards/${encodeURIComponent(boardId)}/facilitate`, { method: 'POST', body, token: key });
  rememberFacilitator(boardId, r.token);
  return r.token;
}

/** Forgets that a board's token is a facilitator's (it was revoked). */
export function forgetFacilitator(boardId) { store.del(FAC(boardId)); }
