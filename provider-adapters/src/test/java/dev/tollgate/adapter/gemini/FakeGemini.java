package dev.tollgate.adapter.gemini;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A fake Gemini API on 127.0.0.1, port 0: answers each request with the current {@link Script} and
 * records what it received (path and query, API key header, body).
 */
final class FakeGemini implements AutoCloseable {

  @FunctionalInterface
  interface Script {
    Mono<Void> answer(HttpServerResponse response);
  }

  /**
   * @param closed completes when the request's connection closes
   */
  record Received(String uri, String apiKey, String body, CompletableFuture<Void> closed) {}

  private final DisposableServer server;
  private final AtomicReference<Script> script = new AtomicReference<>(json(200, "{}"));
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

  FakeGemini() {
    this.server =
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
                              String key = request.requestHeaders().get("x-goog-api-key", "");
                              CompletableFuture<Void> closed = new CompletableFuture<>();
                              request.withConnection(c -> c.onDispose(() -> closed.complete(null)));
                              received.add(new Received(request.uri(), key, body, closed));
                              return script.get().answer(response);
                            }))
            .bindNow();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1beta";
  }

  void script(Script next) {
    script.set(next);
  }

  Received take() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the fake Gemini received no request");
    }
    return r;
  }

  int pending() {
    return received.size();
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  static Script json(int status, String body) {
    return response ->
        response
            .status(status)
            .header("content-type", "application/json; charset=UTF-8")
            .sendString(Mono.just(body))
            .then();
  }

  /** The bytes in pieces of {@code piece} bytes, each flushed after {@code gap}. */
  static Script sse(byte[] stream, int piece, Duration gap) {
    return response -> {
      List<ByteBuf> pieces = new ArrayList<>();
      for (int at = 0; at < stream.length; at += piece) {
        pieces.add(Unpooled.wrappedBuffer(stream, at, Math.min(piece, stream.length - at)));
      }
      Flux<ByteBuf> flux = Flux.fromIterable(pieces);
      if (!gap.isZero()) {
        flux = flux.delayElements(gap);
      }
      return response.header("content-type", "text/event-stream").send(flux, b -> true).then();
    };
  }

  /** Sends {@code events}, lets them reach the client, then drops the connection. */
  static Script sseThenDrop(String events) {
    return response ->
        response
            .header("content-type", "text/event-stream")
            .sendString(Mono.just(events))
            .then()
            .then(Mono.delay(Duration.ofMillis(100)))
            .then(Mono.fromRunnable(() -> response.withConnection(c -> c.channel().close())));
  }

  /** Sends {@code first}, then nothing more, keeping the connection open. */
  static Script sseThenSilence(String first) {
    return response ->
        response
            .header("content-type", "text/event-stream")
            .sendString(Flux.concat(Mono.just(first), Mono.never()))
            .then();
  }

  static Script delayed(Duration delay, Script then) {
    return response -> Mono.delay(delay).then(Mono.defer(() -> then.answer(response)));
  }
}
