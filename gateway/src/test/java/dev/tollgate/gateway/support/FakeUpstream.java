package dev.tollgate.gateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A fake OpenAI-compatible upstream on 127.0.0.1, port 0: each request is answered by the current
 * {@link Script}. Records every request body it received and when a client went away.
 */
public final class FakeUpstream implements AutoCloseable {

  /** What the fake does with one request. */
  @FunctionalInterface
  public interface Script {
    Mono<Void> answer(HttpServerResponse response, Recorder recorder);
  }

  /** What happened to one request, for the test to inspect. */
  public static final class Recorder {
    /** The request's body, for a script that answers by what was asked. */
    public volatile String body = "";

    public volatile long cancelledAtNanos = -1;
    public volatile long closedAtNanos = -1;
  }

  private final DisposableServer server;
  private final AtomicReference<Script> script = new AtomicReference<>(json(200, "{}"));
  private final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> paths = new LinkedBlockingQueue<>();
  private final BlockingQueue<Recorder> recorders = new LinkedBlockingQueue<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger answering = new AtomicInteger();

  public FakeUpstream() {
    this.server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            // per TCP connection (doOnConnection is per request on an HTTP server)
            .doOnChannelInit(
                (observer, channel, address) -> {
                  accepted.incrementAndGet();
                  open.incrementAndGet();
                  channel.closeFuture().addListener(closed -> open.decrementAndGet());
                })
            .handle(
                (request, response) ->
                    request
                        .receive()
                        .aggregate()
                        .asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap(
                            body -> {
                              paths.add(request.uri());
                              bodies.add(body);
                              Recorder recorder = new Recorder();
                              recorder.body = body;
                              recorders.add(recorder);
                              request.withConnection(
                                  c ->
                                      c.onDispose(
                                          () -> recorder.closedAtNanos = System.nanoTime()));
                              answering.incrementAndGet();
                              return script
                                  .get()
                                  .answer(response, recorder)
                                  .doFinally(signal -> answering.decrementAndGet());
                            }))
            .bindNow();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  public void script(Script next) {
    script.set(next);
  }

  /** The body of the next request received, waiting at most 5 s. */
  public String takeBody() throws InterruptedException {
    String body = bodies.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    if (body == null) {
      throw new AssertionError("the upstream received no request");
    }
    return body;
  }

  /** The path (and query) of the next request received, waiting at most 5 s. */
  public String takePath() throws InterruptedException {
    String path = paths.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    if (path == null) {
      throw new AssertionError("the upstream received no request");
    }
    return path;
  }

  public Recorder takeRecorder() throws InterruptedException {
    Recorder r = recorders.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the upstream received no request");
    }
    return r;
  }

  /** How many requests arrived that no test took yet. */
  public int pendingRequests() {
    return bodies.size();
  }

  /** Connections accepted since the start. */
  public int acceptedConnections() {
    return accepted.get();
  }

  /** Connections open now (a client's pool keeps idle ones open). */
  public int openConnections() {
    return open.get();
  }

  /** Requests whose answer has not ended yet (a hung one until its connection closes). */
  public int requestsInProgress() {
    return answering.get();
  }

  public void clear() {
    bodies.clear();
    paths.clear();
    recorders.clear();
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  // ---- scripts ----

  public static Script json(int status, String body) {
    return (response, recorder) ->
        response
            .status(status)
            .header("content-type", "application/json")
            .sendString(Mono.just(body))
            .then();
  }

  /** Server-sent events, each sent (and flushed) after {@code gap}. */
  public static Script sse(List<String> events, Duration gap) {
    return (response, recorder) -> {
      Flux<String> flux = Flux.fromIterable(events);
      if (!gap.isZero()) {
        flux = flux.delayElements(gap);
      }
      return response
          .header("content-type", "text/event-stream")
          .sendString(
              flux.doOnCancel(() -> recorder.cancelledAtNanos = System.nanoTime()),
              StandardCharsets.UTF_8)
          .then();
    };
  }

  /** Sends {@code events}, lets them reach the client, then drops the connection mid-response. */
  public static Script sseThenDrop(List<String> events) {
    return (response, recorder) ->
        response
            .header("content-type", "text/event-stream")
            .sendString(Flux.fromIterable(events))
            .then()
            .then(Mono.delay(Duration.ofMillis(100)))
            .then(Mono.fromRunnable(() -> response.withConnection(c -> c.channel().close())));
  }

  /** Never answers: not a byte, until the client closes the connection. */
  public static Script hung() {
    return (response, recorder) -> Mono.never();
  }

  /** Waits {@code delay} before answering with {@code then}. */
  public static Script delayed(Duration delay, Script then) {
    return (response, recorder) ->
        Mono.delay(delay).then(Mono.defer(() -> then.answer(response, recorder)));
  }

  /** Adapts an SSE file to what {@link #sse} sends: its events, each with its blank line. */
  public static List<String> events(String sseText) {
    String normalized = sseText.replace("\r\n", "\n");
    return java.util.Arrays.stream(normalized.split("\n\n"))
        .filter(e -> !e.isBlank())
        .map(e -> e + "\n\n")
        .toList();
  }
}
