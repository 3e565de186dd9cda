package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.internal.ProviderOptions;
import dev.tollgate.adapter.internal.UpstreamHttp;
import dev.tollgate.adapter.sse.SseEventSplitter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import tools.jackson.databind.JsonNode;

/**
 * Google's Gemini API ({@code generateContent}, {@code streamGenerateContent?alt=sse}) behind the
 * OpenAI chat-completions dialect: requests are translated by {@link GeminiRequestMapper}, streams
 * by a {@link GeminiStreamDecoder} per stream, whole responses by {@link GeminiResponseMapper}.
 * Embeddings go to {@code batchEmbedContents}, translated both ways by {@link
 * GeminiEmbeddingsMapper}.
 *
 * <p>One pooled Reactor Netty client per provider; the key travels in {@code x-goog-api-key}. The
 * base URL defaults to {@value #DEFAULT_BASE_URL}. Option: {@code max-event-bytes}.
 */
public final class GeminiAdapter implements ProviderAdapter, EmbeddingsCapable {

  public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

  private final ProviderSpec spec;
  private final HttpClient client;
  private final int maxEventBytes;

  public GeminiAdapter(ProviderSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.maxEventBytes = ProviderOptions.positiveInt(spec.options(), "max-event-bytes", 16 << 20);
    URI baseUrl = spec.baseUrl() == null ? URI.create(DEFAULT_BASE_URL) : spec.baseUrl();
    this.client =
        UpstreamHttp.client(
            spec,
            baseUrl.toString(),
            h -> {
              h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
              if (!spec.apiKey().isEmpty()) {
                h.set("x-goog-api-key", spec.apiKey());
              }
            });
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    Objects.requireNonNull(call, "call");
    return post(
        GeminiRequestMapper.path(call.upstreamModel(), false),
        () -> GeminiRequestMapper.toUpstream(call),
        bytes -> GeminiResponseMapper.toResponse(bytes, call.upstreamModel()));
  }

  /**
   * {@code POST /models/{model}:batchEmbedContents}, one request per input. Gemini reports no token
   * counts, so the usage is null and the gateway bills its own count of the input.
   */
  @Override
  public Mono<EmbeddingsResponse> embed(EmbeddingsCall call) {
    Objects.requireNonNull(call, "call");
    JsonNode input = call.body().path("input");
    int inputs = input.isArray() ? input.size() : 1; // checked when the request is translated
    return post(
        GeminiEmbeddingsMapper.path(call.upstreamModel()),
        () -> GeminiEmbeddingsMapper.toUpstream(call.body(), call.upstreamModel()),
        bytes ->
            new EmbeddingsResponse(
                GeminiEmbeddingsMapper.toOpenAi(bytes, call.upstreamModel(), inputs), null));
  }

  /**
   * Sends one request and reads its whole answer within the first-byte timeout: an error status
   * fails through {@link GeminiErrorMapper}, else {@code read}. The body is built on subscription,
   * so a request refused while translating sends nothing.
   */
  private <T> Mono<T> post(String uri, Supplier<byte[]> body, Function<byte[], T> read) {
    return Mono.defer(
            () -> {
              byte[] bytes = body.get();
              return client
                  .post()
                  .uri(uri)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(bytes)))
                  .responseSingle(
                      (response, content) ->
                          content
                              .asByteArray()
                              .defaultIfEmpty(new byte[0])
                              .map(answer -> read(response, answer, read)));
            })
        .timeout(spec.timeouts().firstByte())
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, spec.name()));
  }

  private static <T> T read(HttpClientResponse response, byte[] answer, Function<byte[], T> read) {
    int status = response.status().code();
    if (status >= 300) {
      throw GeminiErrorMapper.fromResponse(status, answer);
    }
    return read.apply(answer);
  }

  /**
   * Streams a completion. As in the OpenAI adapter, timeouts are read-idle watches on the
   * connection: the first-byte timeout until the body starts, then the idle timeout between reads.
   * The splitter and decoder hold one stream's state and are made per subscription.
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    Objects.requireNonNull(call, "call");
    long firstByteMillis = spec.timeouts().firstByte().toMillis();
    long idleMillis = spec.timeouts().idle().toMillis();
    return Flux.defer(
            () -> {
              byte[] body = GeminiRequestMapper.toUpstream(call); // a 400 here sends nothing
              return client
                  .doOnRequest(
                      (request, connection) -> UpstreamHttp.watchReads(connection, firstByteMillis))
                  .post()
                  .uri(GeminiRequestMapper.path(call.upstreamModel(), true))
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseConnection(
                      (response, connection) ->
                          events(response, connection, idleMillis, call.upstreamModel()));
            })
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, spec.name()));
  }

  private Flux<UpstreamEvent> events(
      HttpClientResponse response, Connection connection, long idleMillis, String model) {
    ByteBufFlux content = connection.inbound().receive();
    int status = response.status().code();
    if (status >= 300) {
      return content
          .aggregate()
          .asByteArray()
          .defaultIfEmpty(new byte[0])
          .flatMapMany(bytes -> Flux.error(GeminiErrorMapper.fromResponse(status, bytes)));
    }
    SseEventSplitter splitter = new SseEventSplitter(maxEventBytes);
    GeminiStreamDecoder decoder = new GeminiStreamDecoder(model);
    boolean[] receiving = {false};
    // Each read is split and translated while its buffer is valid (map runs on receipt).
    return content
        .map(
            buffer -> {
              if (!receiving[0]) {
                receiving[0] = true;
                UpstreamHttp.watchReads(connection, idleMillis);
              }
              return TranslatedRead.of(decoder, splitter.feed(buffer), false);
            })
        .concatWith(Mono.fromSupplier(() -> TranslatedRead.of(decoder, splitter.finish(), true)))
        .concatMapIterable(read -> read);
  }
}
