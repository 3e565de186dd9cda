// What both pages share: the sign-in kept in this browser, calls to the gateway's API, errors in
// plain words, and small DOM and number helpers. Text is always set with textContent, never as HTML.

const AUTH = 'tollgate.auth';

/** The sign-in: {kind: 'key', key} or {kind: 'owner', token, expires, chatKey?}; null when none. */
export function auth() {
  try {
    const a = JSON.parse(localStorage.getItem(AUTH) || 'null');
    if (a && a.kind === 'owner' && a.expires && a.expires * 1000 < Date.now()) {
      return a.chatKey ? { kind: 'key', key: a.chatKey } : null;
    }
    return a;
  } catch {
    return null;
  }
}

export function saveAuth(a) {
  localStorage.setItem(AUTH, JSON.stringify(a));
}

export function signOut() {
  localStorage.removeItem(AUTH);
}

/** The bearer for the account API: the owner's token, else the API key. */
export function accountBearer(a) {
  return a.kind === 'owner' ? a.token : a.key;
}

/** The bearer for the data plane (chat): an API key. */
export function dataKey(a) {
  return a.kind === 'owner' ? a.chatKey : a.key;
}

/** An answer of the gateway that is not a success. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Calls the gateway; rejects with an ApiError for any answer but 2xx. */
export async function call(path, bearer, options = {}) {
  const headers = new Headers(options.headers || {});
  if (bearer) headers.set('Authorization', 'Bearer ' + bearer);
  if (options.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  let response;
  try {
    response = await fetch(path, { ...options, headers });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The gateway cannot be reached. Check your connection.');
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function json(path, bearer, options) {
  const response = await call(path, bearer, options);
  return response.status === 204 ? null : response.json();
}

export async function errorOf(response) {
  let code = null;
  let message = response.statusText;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || body.error.type || null;
      message = body.error.message || message;
    }
  } catch {
    // not JSON: keep the status text
  }
  const retry = response.headers.get('Retry-After');
  return new ApiError(response.status, code, message, retry === null ? null : Number(retry));
}

/**
 * An error in words a customer understands, as DOM nodes: what happened and what to do.
 * @param config the pages' configuration (for the top-up link)
 */
export function explain(error, config) {
  const out = document.createDocumentFragment();
  const say = (text) => out.append(text);
  if (!(error instanceof ApiError)) {
    say('Something went wrong: ' + (error && error.message ? error.message : String(error)));
    return out;
  }
  switch (error.status) {
    case 0:
      say(error.message);
      break;
    case 401:
      say('Your API key or login was not accepted. Check it and sign in again.');
      break;
    case 402: {
      say('Your balance is used up, so this request was not sent. ');
      const link = el('a', { href: (config && config.top_up_url) || '/dashboard' }, 'Top up your balance');
      out.append(link, ' to continue.');
      break;
    }
    case 403:
      say(
        error.code === 'owner_login_required'
          ? 'This needs the account owner\u2019s login; an API key can only read.'
          : 'This is not allowed for your key: ' + error.message,
      );
      break;
    case 429: {
      const s = error.retryAfter;
      say(
        'Too many requests right now. ' +
          (s !== null && Number.isFinite(s)
            ? 'Try again in ' + s + (s === 1 ? ' second' : ' seconds') + ' (at ' + new Date(Date.now() + s * 1000).toLocaleTimeString() + ').'
            : 'Try again in a moment.'),
      );
      break;
    }
    default:
      if (error.status >= 500) {
        say('The service had a problem (' + error.status + '). You were not charged for an answer that did not start; try again shortly.');
      } else {
        say(error.message);
      }
  }
  return out;
}

/** The pages' public configuration (browser login, top-up link). */
export async function pageConfig() {
  try {
    const response = await fetch('/web/config.json');
    return response.ok ? response.json() : { oidc: null, top_up_url: '/dashboard' };
  } catch {
    return { oidc: null, top_up_url: '/dashboard' };
  }
}

/** An element with attributes and children (strings become text nodes, never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** An amount of money (a decimal number) in the account's currency, with enough digits. */
export function money(amount, currency = 'USD') {
  const n = Number(amount || 0);
  const abs = Math.abs(n);
  const digits = abs === 0 || abs >= 1 ? 2 : Math.min(9, Math.max(2, 2 - Math.floor(Math.log10(abs)) + 1));
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: digits,
    }).format(n);
  } catch {
    return n.toFixed(digits) + ' ' + currency;
  }
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** Writes the sign-in state into the header: who is signed in, and a sign-out button. */
export function showSignedIn(a, onSignOut) {
  const status = document.getElementById('who');
  status.replaceChildren();
  if (!a) return;
  const label = a.kind === 'owner' ? 'Signed in as the account owner' : 'Signed in with key ' + a.key.slice(0, 12) + '\u2026';
  status.append(
    el('span', {}, label),
    el('button', { type: 'button', class: 'link', onclick: () => { signOut(); onSignOut(); } }, 'Sign out'),
  );
}
