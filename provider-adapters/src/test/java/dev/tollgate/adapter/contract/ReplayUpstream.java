package dev.tollgate.adapter.contract;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.sse.SseStreams;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A fake upstream on 127.0.0.1, port 0, that replays recorded provider responses. It answers only
 * on the path and query it expects (404 elsewhere, so a wrong URL fails loudly) and records each
 * request it received.
 */
final class ReplayUpstream implements AutoCloseable {

  /** One request as the fake received it. */
  record Request(String method, String uri, HttpHeaders headers, String body) {}

  /**
   * How the fake answers: status, body (a fixture, or {@code inlineBody} served as JSON when set),
   * and for streams where (and how) it breaks off.
   */
  record Answer(
      String expectedUri,
      int status,
      String fixture,
      @Nullable String inlineBody,
      int cutAfterEvents,
      @Nullable String appendFixture) {}

  private final DisposableServer server;
  private final AtomicReference<@Nullable Answer> answer = new AtomicReference<>();
  private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();

  ReplayUpstream() {
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
                              requests.add(
                                  new Request(
                                      request.method().name(),
                                      request.uri(),
                                      request.requestHeaders().copy(),
                                      body));
                              Answer a = answer.get();
                              if (a == null || !a.expectedUri().equals(request.uri())) {
                                return response
                                    .status(404)
                                    .sendString(
                                        Mono.just(
                                            "{\"error\":{\"message\":\"fake upstream: no route "
                                                + request.uri()
                                                + "\"}}"))
                                    .then();
                              }
                              return answer(a, response);
                            }))
            .bindNow();
  }

  /** The server's root, {@code http://127.0.0.1:<port>}. */
  URI root() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  void answer(Answer next) {
    answer.set(next);
    requests.clear();
  }

  /** The request the fake received for the current answer, waiting at most 5 s. */
  Request takeRequest() throws InterruptedException {
    Request r = requests.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the fake upstream received no request");
    }
    return r;
  }

  private static Mono<Void> answer(Answer a, HttpServerResponse response) {
    String inline = a.inlineBody();
    byte[] body =
        inline != null ? inline.getBytes(StandardCharsets.UTF_8) : Fixtures.bytes(a.fixture());
    boolean sse = inline == null && a.fixture().endsWith(".sse");
    response
        .status(a.status())
        .header("content-type", sse ? "text/event-stream" : "application/json");
    if (!sse) {
      return response.sendByteArray(Mono.just(body)).then();
    }
    // Cut with a regular expression, independently of the splitter under test; each event is
    // written (and flushed) on its own, as an upstream sends them.
    List<String> events = SseStreams.referenceSplit(body);
    if (a.cutAfterEvents() < 0) {
      return response.sendString(Flux.fromIterable(events), StandardCharsets.ISO_8859_1).then();
    }
    List<String> head = events.subList(0, Math.min(a.cutAfterEvents(), events.size()));
    if (a.appendFixture() != null) {
      byte[] tail = Fixtures.bytes(a.appendFixture());
      return response
          .sendString(Flux.fromIterable(head), StandardCharsets.ISO_8859_1)
          .then()
          .then(response.sendByteArray(Mono.just(tail)).then());
    }
    // the head reaches the client, then the connection drops without the response's end
    return response
        .sendString(Flux.fromIterable(head), StandardCharsets.ISO_8859_1)
        .then()
        .then(Mono.delay(Duration.ofMillis(100)))
        .then(Mono.fromRunnable(() -> response.withConnection(c -> c.channel().close())));
  }

  @Override
  public void close() {
    server.disposeNow();
  }
}
