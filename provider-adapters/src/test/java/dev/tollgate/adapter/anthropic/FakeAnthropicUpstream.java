package dev.tollgate.adapter.anthropic;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A fake Anthropic API on 127.0.0.1, port 0: each request is answered by the current {@link Script}
 * and recorded (method, path, headers, body) for the test to inspect.
 */
final class FakeAnthropicUpstream implements AutoCloseable {

  /** What the fake answers to one request. */
  @FunctionalInterface
  interface Script {
    Mono<Void> answer(Received request, HttpServerResponse response);
  }

  /** One request as the fake received it. */
  record Received(String method, String path, HttpHeaders headers, String body) {}

  private final DisposableServer server;
  private final AtomicReference<Script> script = new AtomicReference<>(json(200, "{}"));
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

  FakeAnthropicUpstream() {
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (request, response) ->
                    request
                        .receive()
                        .aggregate()
                        .asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap(
                            body -> {
                              Received r =
                                  new Received(
                                      request.method().name(),
                                      request.uri(),
                                      request.requestHeaders().copy(),
                                      body);
                              received.add(r);
                              return script.get().answer(r, response);
                            }))
            .bindNow();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  void script(Script next) {
    script.set(next);
  }

  /** The next request received, waiting at most 5 s. */
  Received take() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the upstream received no request");
    }
    return r;
  }

  /** Requests received that no test took yet. */
  int pending() {
    return received.size();
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  // ---- scripts ----

  static Script json(int status, String body) {
    return (request, response) ->
        response
            .status(status)
            .header("content-type", "application/json")
            .sendString(Mono.just(body))
            .then();
  }

  static Script json(int status, byte[] body) {
    return json(status, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * A stream sent in pieces of {@code pieceBytes} (the last may be shorter), each flushed on its
   * own, so events arrive cut at arbitrary places.
   */
  static Script sse(byte[] stream, int pieceBytes) {
    List<byte[]> pieces = new ArrayList<>();
    for (int at = 0; at < stream.length; at += pieceBytes) {
      pieces.add(
          java.util.Arrays.copyOfRange(stream, at, Math.min(stream.length, at + pieceBytes)));
    }
    return (request, response) ->
        response
            .header("content-type", "text/event-stream")
            .sendByteArray(Flux.fromIterable(pieces).delayElements(Duration.ofMillis(1)))
            .then();
  }

  /**
   * Sends {@code head}, then a ping every 50 ms until the client goes away, which counts down
   * {@code cancelled}.
   */
  static Script endless(byte[] head, java.util.concurrent.CountDownLatch cancelled) {
    byte[] ping = "event: ping\ndata: {\"type\": \"ping\"}\n\n".getBytes(StandardCharsets.UTF_8);
    return (request, response) ->
        response
            .header("content-type", "text/event-stream")
            .sendByteArray(
                Flux.just(head)
                    .concatWith(Flux.interval(Duration.ofMillis(50)).map(i -> ping))
                    .doOnCancel(cancelled::countDown))
            .then();
  }

  /** Sends {@code stream} in one piece, then keeps the response open for {@code stall}. */
  static Script stallsAfter(byte[] stream, Duration stall) {
    return (request, response) ->
        response
            .header("content-type", "text/event-stream")
            .sendByteArray(Flux.just(stream).concatWith(Mono.delay(stall).then(Mono.empty())))
            .then();
  }

  /** Waits {@code delay} before answering with {@code then}. */
  static Script delayed(Duration delay, Script then) {
    return (request, response) ->
        Mono.delay(delay).then(Mono.defer(() -> then.answer(request, response)));
  }
}
