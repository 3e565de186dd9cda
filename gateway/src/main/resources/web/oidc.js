// The owner's login in the browser: OpenID Connect authorization code with PKCE (RFC 7636), a public
// client without a secret. The verifier and state live in sessionStorage for the round trip only;
// the access token is kept in this browser's localStorage like an API key.

import { saveAuth } from './common.js';

const PENDING = 'tollgate.oidc';

function base64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function discover(issuer) {
  const url = issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration';
  const response = await fetch(url);
  if (!response.ok) throw new Error('The identity provider\u2019s configuration could not be read (' + response.status + ').');
  return response.json();
}

function redirectUri() {
  return location.origin + location.pathname;
}

/** Sends the browser to the identity provider's login. */
export async function startLogin(oidc) {
  const provider = await discover(oidc.issuer);
  const verifier = random();
  const state = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, token: provider.token_endpoint }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scope || 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (oidc.audience) params.set('audience', oidc.audience);
  location.assign(provider.authorization_endpoint + '?' + params);
}

/**
 * Completes a login when the page was opened by the identity provider's redirect; answers whether
 * it did. Throws when the answer is wrong (state mismatch, refused code).
 */
export async function completeLogin(oidc) {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', location.pathname);
  if (query.has('error')) throw new Error('The login was refused: ' + (query.get('error_description') || query.get('error')));
  if (!pending || query.get('state') !== pending.state) throw new Error('The login answer does not match this browser\u2019s request; please sign in again.');
  const response = await fetch(pending.token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error('The identity provider did not issue a token (' + response.status + ').');
  const tokens = await response.json();
  const expires = tokens.expires_in ? Math.floor(Date.now() / 1000) + Number(tokens.expires_in) : null;
  saveAuth({ kind: 'owner', token: tokens.access_token, expires });
  return true;
}
