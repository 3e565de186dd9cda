package dev.tollgate.gateway.bench;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.bench.LoadSettings.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.node.ObjectNode;

/**
 * A closed-loop load generator: a fixed number of workers, each sending one chat-completions
 * request, reading and checking the whole response, then sending the next, until the time is up.
 * Pooled keep-alive connections (one per worker) on its own event loops, so that its threads can be
 * told apart from the gateway's and the upstream's.
 */
final class LoadGenerator implements AutoCloseable {

  /**
   * Where requests go.
   *
   * @param name how the report calls it
   * @param chatUrl the full URL of {@code /chat/completions}
   * @param apiKey sent as {@code Authorization: Bearer}
   */
  record Target(String name, String chatUrl, String apiKey) {}

  private static final byte[] EMPTY = new byte[0];

  private final LoadSettings settings;
  private final FakeCompletion expected;
  private final LoopResources loops;
  private final ConnectionProvider pool;
  private final HttpClient client;
  private final ByteBuf jsonRequest;
  private final ByteBuf streamRequest;

  LoadGenerator(LoadSettings settings, FakeCompletion expected) {
    this.settings = settings;
    this.expected = expected;
    this.loops = LoopResources.create("bench-client", 2, true);
    this.pool =
        ConnectionProvider.builder("bench-client")
            .maxConnections(settings.concurrency())
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(settings.requestTimeout())
            .build();
    this.client = HttpClient.create(pool).runOn(loops).keepAlive(true).compress(false);
    this.jsonRequest = requestBody(false);
    this.streamRequest = requestBody(true);
  }

  private ByteBuf requestBody(boolean stream) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("model", FakeCompletion.MODEL);
    body.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", "Tell me a short story about a quick brown fox.");
    body.put("max_tokens", expected.tokens);
    if (stream) {
      body.put("stream", true);
      if (settings.includeUsage()) {
        body.putObject("stream_options").put("include_usage", true);
      }
    }
    byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
  }

  /**
   * Runs {@code mode} against {@code target} for {@code duration} at the set concurrency, adding
   * what it measured to {@code result}.
   */
  void run(Target target, Mode mode, Duration duration, ScenarioResult result) {
    HttpClient configured = configured(target, mode);
    CpuUsage.Snapshot before = CpuUsage.snapshot();
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    Flux.range(0, settings.concurrency())
        .flatMap(
            worker ->
                Mono.defer(() -> once(configured, target, mode, result))
                    .repeat(() -> System.nanoTime() < deadline),
            settings.concurrency())
        .then()
        .block(duration.plus(settings.requestTimeout()).plusSeconds(10));
    long elapsed = System.nanoTime() - start;
    result.addRound(elapsed, before, CpuUsage.snapshot());
  }

  /**
   * Sends one request and parses the whole response properly ({@link StrictCheck}).
   *
   * @return "ok", or what was wrong
   */
  String strictCheck(Target target, Mode mode) {
    String verdict =
        configured(target, mode)
            .post()
            .uri(target.chatUrl())
            .send(Mono.fromSupplier(() -> body(mode)))
            .responseSingle(
                (response, body) ->
                    body.asByteArray()
                        .defaultIfEmpty(EMPTY)
                        .map(
                            bytes -> {
                              int status = response.status().code();
                              if (status != 200) {
                                return "HTTP " + status + ": " + snippet(bytes);
                              }
                              String wrong =
                                  mode == Mode.SSE
                                      ? StrictCheck.sse(expected, settings.includeUsage(), bytes)
                                      : StrictCheck.json(expected, bytes);
                              return wrong == null ? "ok" : wrong;
                            }))
            .timeout(settings.requestTimeout())
            .onErrorResume(e -> Mono.just(describe(e)))
            .block(settings.requestTimeout().plusSeconds(5));
    return verdict == null ? "no response" : verdict;
  }

  private HttpClient configured(Target target, Mode mode) {
    return client.headers(
        h -> {
          h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
          h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + target.apiKey());
          h.set(
              HttpHeaderNames.ACCEPT, mode == Mode.SSE ? "text/event-stream" : "application/json");
        });
  }

  private ByteBuf body(Mode mode) {
    return (mode == Mode.SSE ? streamRequest : jsonRequest).duplicate();
  }

  private Mono<Void> once(HttpClient http, Target target, Mode mode, ScenarioResult result) {
    long start = System.nanoTime();
    var request = http.post().uri(target.chatUrl()).send(Mono.fromSupplier(() -> body(mode)));
    Mono<Void> exchange =
        mode == Mode.SSE
            ? request.response((response, body) -> streamed(response, body, start, result)).then()
            : request.responseSingle((response, body) -> whole(response, body, start, result));
    return exchange
        .timeout(settings.requestTimeout())
        .onErrorResume(
            e -> {
              result.error(kind(e), describe(e));
              return Mono.empty();
            });
  }

  private Mono<Void> streamed(
      HttpClientResponse response, ByteBufFlux body, long start, ScenarioResult result) {
    int status = response.status().code();
    if (status != 200) {
      return failedStatus(status, body.aggregate().asByteArray(), result);
    }
    SseStreamCheck check = new SseStreamCheck(expected, settings.includeUsage());
    return body.doOnNext(check::feed)
        .then(
            Mono.fromRunnable(
                () -> {
                  long end = System.nanoTime();
                  String wrong = check.verdict();
                  if (wrong == null) {
                    result.success(start, check.firstEventNanos(), end, check.contentChunks());
                  } else {
                    result.error(wrong.replaceAll("\\d+", "N").replaceAll(":.*", ""), wrong);
                  }
                }));
  }

  private Mono<Void> whole(
      HttpClientResponse response, ByteBufMono body, long start, ScenarioResult result) {
    int status = response.status().code();
    if (status != 200) {
      return failedStatus(status, body.asByteArray(), result);
    }
    return body.asByteArray()
        .defaultIfEmpty(EMPTY)
        .doOnNext(
            bytes -> {
              long end = System.nanoTime();
              // The pass-through path relays the upstream's body as it is; parse only if not.
              String wrong =
                  Arrays.equals(bytes, expected.json) ? null : StrictCheck.json(expected, bytes);
              if (wrong == null) {
                result.success(start, -1, end, 0);
              } else {
                result.error("wrong JSON body", wrong);
              }
            })
        .then();
  }

  private static Mono<Void> failedStatus(int status, Mono<byte[]> body, ScenarioResult result) {
    return body.defaultIfEmpty(EMPTY)
        .doOnNext(bytes -> result.error("HTTP " + status, snippet(bytes)))
        .then();
  }

  private static String kind(Throwable e) {
    return e instanceof TimeoutException ? "timeout" : e.getClass().getSimpleName();
  }

  private static String describe(Throwable e) {
    if (e instanceof TimeoutException) {
      return "no complete response within the request timeout";
    }
    return e.getClass().getName() + ": " + e.getMessage();
  }

  private static String snippet(byte[] bytes) {
    return new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    pool.disposeLater().block(Duration.ofSeconds(5));
    loops.disposeLater().block(Duration.ofSeconds(5));
  }
}
