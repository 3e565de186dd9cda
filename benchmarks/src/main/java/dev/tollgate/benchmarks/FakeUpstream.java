package dev.tollgate.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An OpenAI-style upstream that costs as little as possible: every response is encoded once at
 * start-up and served from read-only buffers. {@code POST /v1/chat/completions} answers JSON, or
 * server-sent events when the body says {@code "stream":true}: a role chunk, {@code tokens} content
 * chunks, a finish chunk, a usage chunk, {@code [DONE]}; each event is written and flushed on its
 * own, as a model server emits each token. Runs as its own process ({@code upstream} mode of {@link
 * BenchMain}) so that its CPU is neither the gateway's nor the load generator's.
 */
final class FakeUpstream {

  static final String CONTENT_PREFIX = "w";
  private static final byte[] STREAM_TRUE = "\"stream\":true".getBytes(StandardCharsets.US_ASCII);

  private final ByteBuf json;
  private final List<ByteBuf> events;
  private final ByteBuf allEvents;
  private final boolean flushEach;

  /**
   * @param tokens content chunks per stream
   * @param flushEach true: each event written and flushed on its own (a segment per token, as a
   *     model server emits them); false: a stream's events in one write (cheaper for the upstream
   *     and the load generator, so that neither is the bottleneck)
   */
  FakeUpstream(int tokens, boolean flushEach) {
    this.flushEach = flushEach;
    String id = "chatcmpl-bench";
    String head =
        "{\"id\":\""
            + id
            + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",";
    List<ByteBuf> list = new ArrayList<>();
    list.add(
        event(
            head
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]}"));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      String token = CONTENT_PREFIX + i + " ";
      text.append(token);
      list.add(
          event(
              head
                  + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                  + token
                  + "\"},\"finish_reason\":null}]}"));
    }
    list.add(event(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
    list.add(
        event(
            head
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":"
                + tokens
                + ",\"total_tokens\":"
                + (12 + tokens)
                + "}}"));
    list.add(Unpooled.unreleasableBuffer(ascii("data: [DONE]\n\n")));
    this.events = List.copyOf(list);
    ByteBuf all = Unpooled.directBuffer();
    list.forEach(b -> all.writeBytes(b.duplicate()));
    this.allEvents = Unpooled.unreleasableBuffer(all.asReadOnly());
    this.json =
        Unpooled.unreleasableBuffer(
            ascii(
                "{\"id\":\""
                    + id
                    + "\",\"object\":\"chat.completion\",\"created\":1700000000,"
                    + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":"
                    + "{\"role\":\"assistant\",\"content\":\""
                    + text
                    + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
                    + "\"completion_tokens\":"
                    + tokens
                    + ",\"total_tokens\":"
                    + (12 + tokens)
                    + "}}"));
  }

  private static ByteBuf event(String data) {
    return Unpooled.unreleasableBuffer(ascii("data: " + data + "\n\n"));
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.directBuffer().writeBytes(s.getBytes(StandardCharsets.US_ASCII)).asReadOnly();
  }

  DisposableServer start(int port) {
    return HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .route(
            routes ->
                routes.post(
                    "/v1/chat/completions",
                    (req, res) ->
                        req.receive()
                            .aggregate()
                            .asByteArray()
                            .map(FakeUpstream::isStream)
                            .defaultIfEmpty(false)
                            .flatMap(
                                stream -> {
                                  if (stream) {
                                    res.header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                                        .header(HttpHeaderNames.CACHE_CONTROL, "no-cache");
                                    if (!flushEach) {
                                      return res.send(Mono.just(allEvents.duplicate())).then();
                                    }
                                    return res.send(
                                            Flux.fromIterable(events).map(ByteBuf::duplicate),
                                            b -> true)
                                        .then();
                                  }
                                  res.header(
                                          HttpHeaderNames.CONTENT_TYPE,
                                          HttpHeaderValues.APPLICATION_JSON)
                                      .header(
                                          HttpHeaderNames.CONTENT_LENGTH,
                                          Integer.toString(json.readableBytes()));
                                  return res.send(Mono.just(json.duplicate())).then();
                                })))
        .bindNow();
  }

  private static boolean isStream(byte[] body) {
    outer:
    for (int i = 0; i <= body.length - STREAM_TRUE.length; i++) {
      for (int j = 0; j < STREAM_TRUE.length; j++) {
        if (body[i + j] != STREAM_TRUE[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
