package dev.tollgate.gateway.bench;

import dev.tollgate.adapter.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 and a random port: {@code POST
 * /v1/chat/completions} answers with {@link FakeCompletion}, whole or streamed. It parses each
 * request (to honour {@code stream} and {@code stream_options.include_usage}) and otherwise only
 * writes precomputed bytes, so that it costs as little as possible next to what it measures.
 *
 * <p>Each streamed event is flushed on its own, as a model server writes each token when it has
 * generated it; with a token delay, the content chunks are spaced by it.
 */
final class FakeOpenAiUpstream implements AutoCloseable {

  private static final byte[] BAD_REQUEST =
      "{\"error\":{\"message\":\"fake upstream: body is not JSON\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
          .getBytes(StandardCharsets.UTF_8);

  private final FakeCompletion completion;
  private final Duration tokenDelay;
  private final ByteBuf json;
  private final ByteBuf role;
  private final ByteBuf[] content;
  private final ByteBuf finish;
  private final ByteBuf usage;
  private final ByteBuf done;
  private final LoopResources loops;
  private final DisposableServer server;
  private final LongAdder requests = new LongAdder();

  FakeOpenAiUpstream(FakeCompletion completion, Duration tokenDelay) {
    this.completion = completion;
    this.tokenDelay = tokenDelay;
    this.json = shared(completion.json);
    this.role = shared(completion.roleEvent);
    this.content = new ByteBuf[completion.contentEvents.length];
    for (int i = 0; i < content.length; i++) {
      content[i] = shared(completion.contentEvents[i]);
    }
    this.finish = shared(completion.finishEvent);
    this.usage = shared(completion.usageEvent);
    this.done = shared(completion.doneEvent);
    this.loops = LoopResources.create("bench-upstream", 2, true);
    this.server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .runOn(loops)
            .route(routes -> routes.post("/v1/chat/completions", this::handle))
            .bindNow(Duration.ofSeconds(10));
  }

  /** The base URL an OpenAI client or the gateway's {@code base-url} takes. */
  String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  FakeCompletion completion() {
    return completion;
  }

  long requests() {
    return requests.sum();
  }

  private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
    return request
        .receive()
        .aggregate()
        .asByteArray()
        .defaultIfEmpty(new byte[0])
        .flatMap(body -> respond(body, response));
  }

  private Mono<Void> respond(byte[] body, HttpServerResponse response) {
    JsonNode request;
    try {
      request = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      return response
          .status(HttpResponseStatus.BAD_REQUEST)
          .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .sendByteArray(Mono.just(BAD_REQUEST))
          .then();
    }
    requests.increment();
    if (!request.path("stream").asBoolean(false)) {
      return response
          .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .send(Mono.just(json.duplicate()))
          .then();
    }
    boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
    return response
        .header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .send(events(includeUsage), each -> true)
        .then();
  }

  private Flux<ByteBuf> events(boolean includeUsage) {
    Flux<ByteBuf> tokens = Flux.range(0, content.length).map(i -> content[i].duplicate());
    if (!tokenDelay.isZero()) {
      tokens = tokens.delayElements(tokenDelay);
    }
    return Flux.concat(
        Mono.fromSupplier(role::duplicate),
        tokens,
        Mono.fromSupplier(finish::duplicate),
        includeUsage ? Mono.fromSupplier(usage::duplicate) : Mono.empty(),
        Mono.fromSupplier(done::duplicate));
  }

  /** A direct buffer that writes never free, handed out as {@code duplicate()}s. */
  private static ByteBuf shared(byte[] bytes) {
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
    loops.disposeLater().block(Duration.ofSeconds(5));
  }
}
