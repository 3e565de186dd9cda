// Opens N concurrent streams through the gateway for benchmarks/sizing.sh and keeps them open:
// RATE new ones every 100 ms until N are open, then waits for them to end or for SIGTERM (which
// closes them all). Writes its counts as one JSON line to STATUS_FILE every 500 ms, and a final
// line to stdout. Only to 127.0.0.1. Usage: node load.mjs PORT KEY MODEL N RATE STATUS_FILE
import http from 'node:http';
import fs from 'node:fs';

const [port, key, model, n, rate, statusFile] = process.argv.slice(2);
const total = Number(n);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const body = JSON.stringify({
  model, stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'hi' }],
});
const c = { started: 0, headers: 0, streaming: 0, done: 0, errors: 0, statuses: {} };
const requests = new Set();

function one() {
  c.started++;
  let seenData = false;
  let text = '';
  const req = http.request({
    host: '127.0.0.1', port: Number(port), path: '/v1/chat/completions', method: 'POST', agent,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  }, (res) => {
    c.statuses[res.statusCode] = (c.statuses[res.statusCode] || 0) + 1;
    if (res.statusCode === 200) c.headers++;
    res.setEncoding('utf8');
    res.on('data', (d) => {
      if (!seenData && res.statusCode === 200 && d.includes('data:')) { seenData = true; c.streaming++; }
      text = (text + d).slice(-64);
    });
    res.on('end', () => {
      requests.delete(req);
      if (seenData) c.streaming--;
      if (text.includes('[DONE]')) c.done++; else if (res.statusCode !== 200) c.errors++;
    });
  });
  req.on('error', () => { requests.delete(req); if (seenData) c.streaming--; c.errors++; });
  requests.add(req);
  req.end(body);
}

const opener = setInterval(() => {
  for (let i = 0; i < Number(rate) && c.started < total; i++) one();
  if (c.started >= total) clearInterval(opener);
}, 100);
const writeStatus = () => fs.writeFileSync(statusFile, JSON.stringify({ ...c, inFlight: requests.size }) + '\n');
const reporter = setInterval(() => {
  writeStatus();
  if (c.started >= total && requests.size === 0) finish();
}, 500);

function finish() {
  clearInterval(opener);
  clearInterval(reporter);
  writeStatus();
  console.log(JSON.stringify({ ...c, inFlight: requests.size }));
  process.exit(0);
}
process.on('SIGTERM', () => {
  for (const r of requests) r.destroy();
  setTimeout(finish, 200);
});
