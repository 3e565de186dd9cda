// A slow OpenAI-style upstream for benchmarks/sizing.sh: POST /v1/chat/completions with
// "stream":true answers server-sent events, one content chunk every INTERVAL_MS, TOKENS of them,
// then a finish chunk, a usage chunk and [DONE]; other requests get a JSON completion. Listens on
// 127.0.0.1 only. Usage: node upstream.mjs PORT TOKENS INTERVAL_MS
import http from 'node:http';

const [port, tokens, interval] = process.argv.slice(2).map(Number);
let open = 0;
let served = 0;

const head = '{"id":"chatcmpl-sizing","object":"chat.completion.chunk","created":1700000000,"model":"sizing-model",';
const event = (json) => `data: ${head}${json}}\n\n`;

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    served++;
    if (!body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-sizing', object: 'chat.completion', created: 1700000000, model: 'sizing-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
      }));
      return;
    }
    open++;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(event('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]'));
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < tokens) {
        res.write(event(`"choices":[{"index":0,"delta":{"content":"w${sent} "},"finish_reason":null}]`));
        sent++;
        return;
      }
      clearInterval(timer);
      res.write(event('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]'));
      res.write(event(`"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${tokens},"total_tokens":${12 + tokens}}`));
      res.end('data: [DONE]\n\n');
    }, interval);
    res.on('close', () => { clearInterval(timer); open--; });
  });
});
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => console.log(`upstream listening on 127.0.0.1:${port}`));
setInterval(() => console.log(`upstream open=${open} served=${served}`), 5000).unref();
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
