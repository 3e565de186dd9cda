// The chat page: sign in, pick a model, stream answers (fetch + SSE parsing), stop them, and keep the
// conversations in this browser's localStorage. Nothing of a conversation is sent anywhere but to
// the gateway's chat endpoint, which does not store it.

import {
  ApiError, auth, call, dataKey, el, explain, json, money, pageConfig, saveAuth,
  showSignedIn,
} from './common.js';
import { render } from './markdown.js';
import { completeLogin } from './oidc.js';
import { showSignInForm, wireSignIn } from './signin.js';

const CHATS = 'tollgate.chats';
const MODEL = 'tollgate.model';
const $ = (id) => document.getElementById(id);

let config = { oidc: null, top_up_url: '/dashboard' };
let chats = loadChats();
let current = null; // the open conversation's id
let running = null; // {controller, message} while an answer streams

function loadChats() {
  try {
    const list = JSON.parse(localStorage.getItem(CHATS) || '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function saveChats() {
  localStorage.setItem(CHATS, JSON.stringify(chats));
}

function conversation() {
  return chats.find((c) => c.id === current) || null;
}

// --- sign-in ---

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
  let a = auth();
  if (a && a.kind === 'owner' && !a.chatKey) {
    // The owner logged in: chat needs an API key; one is made for this browser, once.
    try {
      const created = await json('/v1/keys', a.token, {
        method: 'POST',
        body: JSON.stringify({ name: 'Web chat (browser)' }),
      });
      a = { ...a, chatKey: created.key };
      saveAuth(a);
    } catch (e) {
      showSignIn(e);
      return;
    }
  }
  if (!a) {
    showSignIn();
    return;
  }
  try {
    await loadModels(dataKey(a));
  } catch (e) {
    showSignIn(e);
    return;
  }
  showSignedIn(a, () => location.reload());
  $('signin').hidden = true;
  $('app').hidden = false;
  if (!current && chats.length) current = chats[0].id;
  renderList();
  renderThread();
  $('prompt').focus();
}

function showSignIn(error) {
  showSignInForm('app', error, config);
}

wireSignIn(() => config, enter);

// --- models ---

async function loadModels(key) {
  const models = await json('/v1/models', key);
  const select = $('model');
  const chatModels = models.data.filter(
    (m) => !m.endpoints || m.endpoints.includes('/v1/chat/completions'),
  );
  select.replaceChildren(
    ...chatModels.map((m) => {
      const option = el('option', { value: m.id }, m.id + (m.pricing ? '' : ' (free)'));
      option.dataset.price = priceText(m.pricing);
      return option;
    }),
  );
  const saved = localStorage.getItem(MODEL);
  if (saved && chatModels.some((m) => m.id === saved)) select.value = saved;
  showPrice();
}

function priceText(p) {
  if (!p) return 'free';
  const parts = [];
  if (p.input !== undefined) parts.push('in ' + money(p.input, p.currency));
  if (p.output !== undefined) parts.push('out ' + money(p.output, p.currency));
  let text = parts.join(' · ') + ' per 1M tokens';
  if (p.request !== undefined) text += ' + ' + money(p.request, p.currency) + ' per request';
  return text;
}

function showPrice() {
  const option = $('model').selectedOptions[0];
  $('price').textContent = option ? option.dataset.price : '';
}

$('model').addEventListener('change', () => {
  localStorage.setItem(MODEL, $('model').value);
  showPrice();
});

// --- conversations ---

function renderList() {
  const list = $('conversation-list');
  list.replaceChildren(
    ...chats.map((c) =>
      el(
        'li',
        { 'data-testid': 'conversation', class: c.id === current ? 'current' : null },
        el(
          'button',
          {
            type: 'button',
            class: 'open',
            'aria-current': c.id === current ? 'true' : null,
            onclick: () => open(c.id),
          },
          c.title,
        ),
        el('button', { type: 'button', class: 'icon', 'aria-label': 'Rename “' + c.title + '”', title: 'Rename', onclick: () => rename(c.id) }, '\u270E'),
        el('button', { type: 'button', class: 'icon', 'aria-label': 'Delete “' + c.title + '”', title: 'Delete', 'data-testid': 'delete-conversation', onclick: () => remove(c.id) }, '\u2715'),
      ),
    ),
  );
  if (!chats.length) list.append(el('li', { class: 'empty' }, 'No conversations yet.'));
}

function open(id) {
  if (running) return;
  current = id;
  renderList();
  renderThread();
  $('prompt').focus();
}

function rename(id) {
  const c = chats.find((x) => x.id === id);
  const title = window.prompt('New name for this conversation', c.title);
  if (title && title.trim()) {
    c.title = title.trim().slice(0, 120);
    saveChats();
    renderList();
  }
}

function remove(id) {
  const c = chats.find((x) => x.id === id);
  if (!window.confirm('Delete “' + c.title + '”? This cannot be undone.')) return;
  chats = chats.filter((x) => x.id !== id);
  if (current === id) current = chats.length ? chats[0].id : null;
  saveChats();
  renderList();
  renderThread();
}

$('new-chat').addEventListener('click', () => {
  if (running) return;
  current = null;
  renderList();
  renderThread();
  $('prompt').focus();
});

$('clear-all').addEventListener('click', () => {
  if (running || !chats.length) return;
  if (!window.confirm('Delete all conversations in this browser? This cannot be undone.')) return;
  chats = [];
  current = null;
  saveChats();
  renderList();
  renderThread();
});

$('export').addEventListener('click', () => {
  const blob = new Blob([JSON.stringify({ exported_at: new Date().toISOString(), conversations: chats }, null, 2)], {
    type: 'application/json',
  });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: 'tollgate-conversations-' + new Date().toISOString().slice(0, 10) + '.json' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

// --- the thread ---

function renderThread() {
  const c = conversation();
  const box = $('messages');
  box.replaceChildren();
  if (!c || !c.messages.length) {
    box.append(el('p', { class: 'hint' }, 'Ask anything. Answers stream in as they are written; Stop ends one early (you pay only for what was delivered).'));
    return;
  }
  c.messages.forEach((m) => box.append(messageView(m)));
  box.scrollTop = box.scrollHeight;
}

function messageView(m) {
  if (m.role === 'user') {
    return el('article', { class: 'msg user', 'data-testid': 'message-user', 'aria-label': 'You' }, el('div', { class: 'body' }, m.content));
  }
  const body = el('div', { class: 'body' }, render(m.content));
  const meta = el('p', { class: 'meta', 'data-testid': 'message-cost' }, metaText(m));
  const view = el('article', { class: 'msg assistant', 'data-testid': 'message-assistant', 'aria-label': 'Answer' + (m.model ? ' from ' + m.model : '') }, body, meta);
  m.view = { body, meta, view };
  return view;
}

function metaText(m) {
  const parts = [];
  if (m.model) parts.push(m.model);
  if (m.status === 'streaming') parts.push('writing…');
  if (m.status === 'stopped') parts.push('stopped');
  if (m.status === 'failed') parts.push('failed');
  if (m.usage) {
    parts.push(m.usage.prompt_tokens + ' in + ' + m.usage.completion_tokens + ' out tokens');
    if (m.usage.cost !== undefined && m.usage.cost !== null) parts.push(money(m.usage.cost, m.currency || 'USD'));
  } else if (m.status === 'stopped') {
    parts.push('billed for what was delivered');
  }
  return parts.join(' · ');
}

function update(m) {
  if (!m.view || m.pending) return;
  m.pending = true;
  requestAnimationFrame(() => {
    m.pending = false;
    m.view.body.replaceChildren(render(m.content));
    m.view.meta.textContent = metaText(m);
    const box = $('messages');
    box.scrollTop = box.scrollHeight;
  });
}

$('prompt').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && running) stop();
});

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('prompt').value.trim();
  if (!text || running) return;
  $('prompt').value = '';
  send(text);
});

$('stop').addEventListener('click', () => stop());

function stop() {
  if (running) running.controller.abort();
}

async function send(text) {
  let c = conversation();
  if (!c) {
    c = { id: crypto.randomUUID(), title: text.slice(0, 60), created: new Date().toISOString(), messages: [] };
    chats.unshift(c);
    current = c.id;
  }
  const model = $('model').value;
  c.messages.push({ role: 'user', content: text });
  const history = c.messages
    .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content)
    .map((m) => ({ role: m.role, content: m.content }));
  const answer = { role: 'assistant', content: '', model, status: 'streaming' };
  c.messages.push(answer);
  c.updated = new Date().toISOString();
  chats = [c, ...chats.filter((x) => x !== c)];
  saveChats();
  renderList();
  renderThread();
  $('error').replaceChildren();

  const controller = new AbortController();
  running = { controller, message: answer };
  setBusy(true);
  let requestId = null;
  try {
    const response = await call('/v1/chat/completions', dataKey(auth()), {
      method: 'POST',
      signal: controller.signal,
      body: JSON.stringify({ model, messages: history, stream: true, stream_options: { include_usage: true } }),
    });
    requestId = response.headers.get('x-request-id');
    await readEvents(response, (chunk) => {
      if (chunk.error) throw new ApiError(502, chunk.error.code, chunk.error.message, null);
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && typeof delta.content === 'string') {
        answer.content += delta.content;
        update(answer);
      }
      if (chunk.usage) answer.usage = pickUsage(chunk.usage);
    });
    answer.status = 'done';
  } catch (e) {
    if (e.name === 'AbortError') {
      answer.status = 'stopped';
      if (requestId) billedFor(answer, requestId, c);
    } else {
      answer.status = 'failed';
      controller.abort();
      if (!answer.content) c.messages.splice(c.messages.indexOf(answer), 1);
      $('error').replaceChildren(explain(e, config));
      if (e instanceof ApiError && e.status === 401) setTimeout(() => showSignIn(e), 0);
    }
  } finally {
    running = null;
    setBusy(false);
    delete answer.view;
    saveChats();
    renderThread();
    $('prompt').focus();
  }
}

function pickUsage(u) {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, cost: u.cost };
}

/**
 * A stopped answer's tokens and cost, as the gateway billed them: its usage record, which reaches
 * the account's history within a second or so of the stop.
 */
async function billedFor(answer, requestId, c) {
  for (let attempt = 0; attempt < 40; attempt++) {
    await new Promise((r) => setTimeout(r, 250));
    try {
      const g = await json('/v1/generation/' + encodeURIComponent(requestId), dataKey(auth()));
      answer.usage = pickUsage(g);
      answer.billed = g.status;
      saveChats();
      if (current === c.id && !running) renderThread();
      return;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) return;
    }
  }
}

/** Reads a text/event-stream body, calling `onData` with each `data:` JSON until `[DONE]`. */
async function readEvents(response, onData) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!data) continue;
      if (data === '[DONE]') return;
      onData(JSON.parse(data));
    }
  }
}

function setBusy(busy) {
  $('send').disabled = busy;
  $('stop').disabled = !busy;
  $('messages').setAttribute('aria-busy', busy ? 'true' : 'false');
}

start();
