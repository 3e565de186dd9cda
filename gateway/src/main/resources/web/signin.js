// The sign-in form both pages share (#signin): an API key typed in, or the owner's login through
// OpenID Connect. The page it guards is #app on the chat page and #main on the dashboard.

import { explain, saveAuth } from './common.js';
import { startLogin } from './oidc.js';

const $ = (id) => document.getElementById(id);

/** Wires the form: `config()` gives the page's configuration, `enter()` opens the page signed in. */
export function wireSignIn(config, enter) {
  $('key-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) return;
    saveAuth({ kind: 'key', key });
    $('api-key').value = '';
    await enter();
  });
  $('oidc-login').addEventListener('click', () => {
    startLogin(config().oidc).catch((e) => ($('signin-error').textContent = e.message));
  });
}

/** Hides the page (`pageId`) and shows the form, with the error that sent the user there. */
export function showSignInForm(pageId, error, config) {
  $(pageId).hidden = true;
  $('signin').hidden = false;
  $('signin-error').replaceChildren(error ? explain(error, config) : '');
  $('api-key').focus();
}
