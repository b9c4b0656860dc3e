// API helper: JSON requests with Bearer auth; errors come back as ApiError
// carrying the server's {"error":{"code","message"}}.
import { t, getLang } from './i18n.js';
import { toast, saveBlob, dispositionName } from './util.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** api('/api/boards', {method:'POST', body:{...}, token}) → parsed JSON (or null for 204). */
export async function api(path, { method = 'GET', body, token, raw = false, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (res.ok && raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, e?.code || `http_${res.status}`, e?.message || t('error.http', { status: res.status }));
  }
  return data;
}

/** Fetches a CSV (with the organizer's key, if any) and saves it under the name the server gives, or fallback. */
export async function saveCSV(path, token, fallback) {
  const res = await api(path, { token, raw: true, accept: 'text/csv' });
  saveBlob(await res.blob(), dispositionName(res.headers.get('Content-Disposition'), fallback));
}

/** A readable message for an error: a known code gets our translation plus the server's detail. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return String(err?.message || err);
  const known = {
    unauthorized: 'error.unauthorized', forbidden: 'error.forbidden', not_found: 'error.not_found',
    conflict: 'error.conflict', rate_limited: 'error.rate_limited', unavailable: 'error.unavailable',
    too_large: 'error.too_large', network: 'error.network',
    joining_closed: 'error.joining_closed', board_full: 'error.board_full',
  }[err.code];
  if (!known) return err.message;
  const ours = t(known);
  return err.code === 'network' || getLang() === 'sv' && err.message === ours ? ours : `${ours} (${err.message})`;
}

/** Shows an error to the user (toast + assertive announcement). */
export function showError(err) {
  toast(errorText(err), 'error');
}
