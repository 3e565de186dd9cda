// The account dashboard: balance and allowance, usage over time (inline SVG), recent requests,
// exports, the ledger, and (with the owner's login) the keys.

import {
  accountBearer, auth, call, el, explain, json, money, pageConfig, showSignedIn,
  when,
} from './common.js';
import { copyText } from './markdown.js';
import { completeLogin } from './oidc.js';
import { showSignInForm, wireSignIn } from './signin.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#1f6fae', '#e07b24', '#2f9e5b', '#b8427a', '#7a5cc2', '#9a7b1c', '#3a8f9a', '#c2412d'];

let config = { oidc: null, top_up_url: '/dashboard' };
let currency = 'USD';

async function start() {
  config = await pageConfig();
  if (config.oidc) {
    $('oidc').hidden = false;
    try {
      await completeLogin(config.oidc);
    } catch (e) {
      $('signin-error').textContent = e.message;
    }
  }
  await enter();
}

async function enter() {
  const a = auth();
  if (!a) {
    showSignIn();
    return;
  }
  const bearer = accountBearer(a);
  try {
    await loadAccount(bearer);
  } catch (e) {
    showSignIn(e);
    return;
  }
  showSignedIn(a, () => location.reload());
  $('signin').hidden = true;
  $('main').hidden = false;
  const owner = a.kind === 'owner';
  $('readonly').hidden = owner;
  $('create-key').hidden = !owner;
  await Promise.all([loadUsage(bearer), loadKeys(bearer, owner), loadLedger(bearer)]).catch(fail);
}

function showSignIn(error) {
  showSignInForm('main', error, config);
}

function fail(e) {
  $('error').replaceChildren(explain(e, config));
}

wireSignIn(() => config, enter);

// --- the account ---

async function loadAccount(bearer) {
  const account = await json('/v1/account', bearer);
  currency = account.currency || 'USD';
  $('balance').textContent = money(account.balance, currency);
  $('allowance').textContent = account.allowance ? money(account.allowance_left, currency) + ' of ' + money(account.allowance, currency) : 'none';
  $('renews').textContent = account.allowance_renews_at ? 'renews ' + when(account.allowance_renews_at) : '';
  $('held').textContent = money(account.held, currency);
}

// --- usage ---

async function loadUsage(bearer) {
  const from = new Date(Date.now() - 29 * 86400000);
  from.setUTCHours(0, 0, 0, 0);
  const page = await json('/v1/usage?limit=1000&from=' + encodeURIComponent(from.toISOString()), bearer);
  const rows = page.data;
  const body = $('usage').tBodies[0];
  body.replaceChildren(
    ...rows.slice(0, 50).map((r) =>
      el(
        'tr',
        { 'data-testid': 'usage-row' },
        el('td', {}, when(r.started_at)),
        el('td', {}, r.model),
        el('td', { class: 'num' }, r.prompt_tokens + ' / ' + r.completion_tokens),
        el('td', { class: 'num' }, money(r.cost, currency)),
        el('td', {}, el('span', { class: 'status ' + r.status }, r.status)),
      ),
    ),
  );
  if (!rows.length) body.append(el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No requests in the last 30 days.')));
  chart(rows, from);
  let pending = null;
  window.onresize = () => {
    clearTimeout(pending);
    pending = setTimeout(() => chart(rows, from), 150);
  };
}

/** Cost per day, stacked by model, as an SVG bar chart with a legend of per-model totals. */
function chart(rows, from) {
  const days = [];
  for (let d = new Date(from); days.length < 30; d = new Date(d.getTime() + 86400000)) days.push(d.toISOString().slice(0, 10));
  const models = [...new Set(rows.map((r) => r.model))].sort();
  const perDay = new Map(days.map((d) => [d, new Map()]));
  const perModel = new Map(models.map((m) => [m, { cost: 0, requests: 0 }]));
  for (const r of rows) {
    const day = perDay.get(r.started_at.slice(0, 10));
    if (!day) continue;
    day.set(r.model, (day.get(r.model) || 0) + Number(r.cost));
    const m = perModel.get(r.model);
    m.cost += Number(r.cost);
    m.requests++;
  }
  const totals = days.map((d) => [...perDay.get(d).values()].reduce((a, b) => a + b, 0));
  const max = Math.max(...totals, 0);
  // Drawn at the box's own width, so text keeps its size on a phone and on a wide screen.
  const W = Math.max(280, Math.round($('chart').clientWidth || 600)), H = 160, pad = 4, bw = (W - pad) / days.length;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H + 20}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', H + 20);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Cost per day over the last 30 days, by model. Total ' + money(totals.reduce((a, b) => a + b, 0), currency) + '.');
  const add = (name, attrs, text) => {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    svg.append(node);
    return node;
  };
  add('line', { x1: pad, y1: H, x2: W, y2: H, stroke: '#999', 'stroke-width': 1 });
  days.forEach((d, i) => {
    let y = H;
    models.forEach((m, k) => {
      const cost = perDay.get(d).get(m) || 0;
      if (!cost || !max) return;
      const h = Math.max(1, (cost / max) * (H - 10));
      y -= h;
      const bar = add('rect', { x: pad + i * bw + 1, y, width: Math.max(1, bw - 2), height: h, fill: COLORS[k % COLORS.length] });
      const title = document.createElementNS(SVG, 'title');
      title.textContent = d + ' · ' + m + ': ' + money(cost, currency);
      bar.append(title);
    });
    if (i % 7 === 0 || i === days.length - 1) add('text', { x: Math.min(pad + i * bw, W - 34), y: H + 15, 'font-size': 11, fill: 'currentColor' }, d.slice(5));
  });
  add('text', { x: pad, y: 12, 'font-size': 11, fill: 'currentColor' }, max ? 'max ' + money(max, currency) + ' a day' : 'no cost yet');
  $('chart').replaceChildren(svg);
  $('legend').replaceChildren(
    ...models.map((m, k) =>
      el('span', { class: 'key' }, el('span', { class: 'swatch c' + (k % COLORS.length), 'aria-hidden': 'true' }), m + ': ' + money(perModel.get(m).cost, currency) + ' (' + perModel.get(m).requests + (perModel.get(m).requests === 1 ? ' request)' : ' requests)')),
    ),
  );
}

async function download(format) {
  try {
    const response = await call('/v1/usage/export?format=' + format, accountBearer(auth()));
    const url = URL.createObjectURL(await response.blob());
    const a = el('a', { href: url, download: 'usage.' + format });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (e) {
    fail(e);
  }
}

$('export-csv').addEventListener('click', () => download('csv'));
$('export-json').addEventListener('click', () => download('json'));

// --- keys ---

async function loadKeys(bearer, owner) {
  const keys = await json('/v1/keys', bearer);
  const body = $('keys').tBodies[0];
  body.replaceChildren(
    ...keys.data.map((k) =>
      el(
        'tr',
        { 'data-testid': 'key-row', 'data-key-id': k.id },
        el('td', {}, k.name || '(unnamed)'),
        el('td', {}, el('code', {}, k.prefix + '\u2026')),
        el('td', {}, el('span', { class: 'status ' + k.status }, k.status)),
        el('td', {}, limits(k.limits)),
        el('td', {}, when(k.created_at)),
        el(
          'td',
          {},
          owner && k.status === 'active'
            ? el('button', { type: 'button', class: 'danger', 'data-testid': 'revoke-key', 'aria-label': 'Revoke ' + (k.name || k.prefix), onclick: () => revoke(k) }, 'Revoke')
            : '',
        ),
      ),
    ),
  );
  if (!keys.data.length) body.append(el('tr', {}, el('td', { colspan: 6, class: 'empty' }, owner ? 'No keys yet.' : 'This key is not listed (a configured development key).')));
}

function limits(l) {
  if (!l) return 'none';
  const parts = [];
  if (l.rpm) parts.push(l.rpm + ' req/min');
  if (l.tpm) parts.push(l.tpm + ' tokens/min');
  if (l.max_concurrent) parts.push(l.max_concurrent + ' at once');
  if (l.spend_cap !== null && l.spend_cap !== undefined) parts.push('cap ' + money(l.spend_cap, currency));
  if (l.models && l.models.length) parts.push('models: ' + l.models.join(', '));
  if (l.expires_at) parts.push('expires ' + when(l.expires_at));
  return parts.length ? parts.join(' · ') : 'none';
}

async function revoke(k) {
  if (!window.confirm('Revoke the key “' + (k.name || k.prefix) + '”? Programs using it stop working at once.')) return;
  try {
    await call('/v1/keys/' + encodeURIComponent(k.id), accountBearer(auth()), { method: 'DELETE' });
    await loadKeys(accountBearer(auth()), true);
  } catch (e) {
    fail(e);
  }
}

$('create-key').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.name.value.trim() || null };
  const lim = {};
  if (form.rpm.value) lim.rpm = Number(form.rpm.value);
  if (form.spend_cap.value) lim.spend_cap = form.spend_cap.value;
  const models = form.models.value.split(',').map((m) => m.trim()).filter(Boolean);
  if (models.length) lim.models = models;
  if (Object.keys(lim).length) body.limits = lim;
  try {
    const created = await json('/v1/keys', accountBearer(auth()), { method: 'POST', body: JSON.stringify(body) });
    form.reset();
    $('new-key-secret').textContent = created.key;
    $('new-key').hidden = false;
    $('copy-key').focus();
    await loadKeys(accountBearer(auth()), true);
  } catch (e) {
    fail(e);
  }
});

$('copy-key').addEventListener('click', () => copyText($('new-key-secret').textContent, $('copy-key')));

// --- ledger ---

async function loadLedger(bearer) {
  const page = await json('/v1/ledger?limit=50', bearer);
  const body = $('ledger').tBodies[0];
  body.replaceChildren(
    ...page.data.map((e) =>
      el(
        'tr',
        { 'data-testid': 'ledger-row' },
        el('td', {}, when(e.created_at)),
        el('td', {}, e.type),
        el('td', {}, e.category || ''),
        el('td', { class: 'num' }, money(e.amount, currency)),
        el('td', {}, el('code', {}, e.reference || '')),
      ),
    ),
  );
  if (!page.data.length) body.append(el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No entries yet.')));
}

start();
