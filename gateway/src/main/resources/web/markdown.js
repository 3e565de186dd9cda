// A small, safe Markdown renderer: it builds DOM nodes and sets text with textContent only, so
// model output can never become markup. Fenced code blocks, headings, lists, block quotes,
// paragraphs; inline code, bold, italic and http(s) links.

import { el } from './common.js';

/** Renders `text` into a DocumentFragment. */
export function render(text) {
  const out = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      const code = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) code.push(lines[i++]);
      i++; // the closing fence (or the end, while still streaming)
      out.append(codeBlock(code.join('\n'), fence[2]));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      out.append(el('h' + Math.min(6, heading[1].length + 2), {}, ...inline(heading[2])));
      i++;
      continue;
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = el(ordered ? 'ol' : 'ul');
      while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) {
        list.append(el('li', {}, ...inline(lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, ''))));
        i++;
      }
      out.append(list);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ''));
      out.append(el('blockquote', {}, render(quoted.join('\n'))));
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    const paragraph = [];
    while (
      i < lines.length &&
      lines[i].trim() !== '' &&
      !/^\s*(`{3,}|~{3,}|#{1,6}\s|>|([-*+]|\d+[.)])\s+)/.test(lines[i])
    ) {
      paragraph.push(lines[i++]);
    }
    const p = el('p');
    paragraph.forEach((l, n) => {
      if (n > 0) p.append(el('br'));
      p.append(...inline(l));
    });
    out.append(p);
  }
  return out;
}

function codeBlock(code, language) {
  const copy = el('button', { type: 'button', class: 'copy', 'aria-label': 'Copy code' }, 'Copy');
  copy.addEventListener('click', () => copyText(code, copy));
  const pre = el('pre', {}, el('code', language ? { 'data-lang': language } : {}, code));
  return el('div', { class: 'code' }, el('div', { class: 'code-bar' }, el('span', {}, language || 'code'), copy), pre);
}

export function copyText(text, button) {
  const done = () => {
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = label), 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else {
    fallbackCopy(text, done);
  }
}

function fallbackCopy(text, done) {
  const area = el('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
  done();
}

const INLINE = /(`+)([^`]+?)\1|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g;

/** Inline Markdown as nodes. */
function inline(text) {
  const nodes = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) nodes.push(text.slice(last, m.index));
    if (m[2] !== undefined) nodes.push(el('code', {}, m[2]));
    else if (m[3] !== undefined || m[4] !== undefined) nodes.push(el('strong', {}, ...inline(m[3] ?? m[4])));
    else if (m[5] !== undefined || m[6] !== undefined) nodes.push(el('em', {}, ...inline(m[5] ?? m[6])));
    else nodes.push(el('a', { href: m[8], rel: 'noopener noreferrer nofollow', target: '_blank' }, m[7]));
    last = m.index + m[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}
