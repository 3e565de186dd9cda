package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.NativeMessagesCall;
import dev.tollgate.adapter.NativeMessagesCapable;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.internal.UpstreamHttp;
import dev.tollgate.adapter.sse.SseEventSplitter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's Messages API ({@code POST {base-url}/messages}) behind the OpenAI dialect: requests
 * are translated by {@link AnthropicRequestMapper}, streams by {@link AnthropicStreamDecoder},
 * whole messages by {@link AnthropicResponseMapper}, errors by {@link AnthropicErrorMapper}. A
 * request that cannot be translated fails with a 400 before anything is sent.
 *
 * <p>Anthropic Messages clients are also served without translation ({@link
 * NativeMessagesCapable}): their request goes up as they wrote it, and the answer's bytes come back
 * as the upstream wrote them, read for metering by {@link AnthropicNativeScanner}.
 *
 * <p>One pooled Reactor Netty client per provider; timeouts as the OpenAI adapter keeps them
 * (read-idle watches, nothing per event). Options: see {@link AnthropicOptions}.
 */
public final class AnthropicAdapter implements ProviderAdapter, NativeMessagesCapable {

  private final ProviderSpec spec;
  private final AnthropicOptions options;
  private final Clock clock;
  private final HttpClient client;

  /**
   * @param clock the source of the {@code created} time of translated responses
   * @throws IllegalArgumentException naming the option when an option is not usable
   */
  public AnthropicAdapter(ProviderSpec spec, Clock clock) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.options = AnthropicOptions.from(spec);
    URI baseUrl =
        spec.baseUrl() != null ? spec.baseUrl() : URI.create(AnthropicWire.DEFAULT_BASE_URL);
    this.client =
        UpstreamHttp.client(
            spec,
            baseUrl.toString(),
            h -> {
              h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
              h.set("anthropic-version", options.version());
              if (options.beta() != null) {
                h.set("anthropic-beta", options.beta());
              }
              if (!spec.apiKey().isEmpty()) {
                h.set("x-api-key", spec.apiKey());
              }
            });
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    return send(
        () -> AnthropicRequestMapper.toUpstream(call, false, options),
        bytes -> AnthropicResponseMapper.toResponse(bytes, epochSeconds()));
  }

  /**
   * Streams a completion: the first-byte timeout runs until the body's first bytes arrive, then the
   * idle timeout between reads. The decoder, which holds the stream's state, is built per
   * subscription.
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    return send(
        () -> AnthropicRequestMapper.toUpstream(call, true, options),
        () -> new AnthropicStreamDecoder(epochSeconds()));
  }

  /** The client's request with the upstream's model name; the answer as it came. */
  @Override
  public Mono<UpstreamResponse> completeNative(NativeMessagesCall call) {
    return send(() -> nativeBody(call, false), AnthropicResponseMapper::toNativeResponse);
  }

  /** The client's request with the upstream's model name; its events relayed as they came. */
  @Override
  public Flux<UpstreamEvent> streamNative(NativeMessagesCall call) {
    return send(() -> nativeBody(call, true), AnthropicNativeScanner::new);
  }

  /** Only {@code model} (and {@code stream}, if it disagrees with the call) is changed. */
  private static byte[] nativeBody(NativeMessagesCall call, boolean stream) {
    ObjectNode body = call.body();
    body.put("model", call.upstreamModel());
    if (body.path("stream").asBoolean(false) != stream) {
      body.put("stream", stream);
    }
    return Json.MAPPER.writeValueAsBytes(body);
  }

  private Mono<UpstreamResponse> send(
      Supplier<byte[]> request, Function<byte[], UpstreamResponse> answer) {
    return Mono.defer(
            () -> {
              byte[] body = request.get();
              return client
                  .post()
                  .uri(AnthropicWire.MESSAGES_PATH)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseSingle(
                      (response, content) ->
                          content
                              .asByteArray()
                              .defaultIfEmpty(new byte[0])
                              .map(bytes -> toResponse(response, bytes, answer)));
            })
        .timeout(spec.timeouts().firstByte())
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, spec.name()));
  }

  private Flux<UpstreamEvent> send(Supplier<byte[]> request, Supplier<EventDecoder> decoders) {
    long firstByteMillis = spec.timeouts().firstByte().toMillis();
    long idleMillis = spec.timeouts().idle().toMillis();
    return Flux.defer(
            () -> {
              byte[] body = request.get();
              EventDecoder decoder = decoders.get();
              return client
                  .doOnRequest(
                      (r, connection) -> UpstreamHttp.watchReads(connection, firstByteMillis))
                  .post()
                  .uri(AnthropicWire.MESSAGES_PATH)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseConnection(
                      (response, connection) -> events(response, connection, decoder, idleMillis));
            })
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, spec.name()));
  }

  private Flux<UpstreamEvent> events(
      HttpClientResponse response, Connection connection, EventDecoder decoder, long idleMillis) {
    ByteBufFlux content = connection.inbound().receive();
    int status = response.status().code();
    if (status >= 300) {
      return content
          .aggregate()
          .asByteArray()
          .defaultIfEmpty(new byte[0])
          .flatMapMany(bytes -> Flux.error(AnthropicErrorMapper.fromResponse(status, bytes)));
    }
    SseEventSplitter splitter = new SseEventSplitter(options.maxEventBytes());
    boolean[] receiving = {false};
    // Each read is split and decoded while its buffer is valid (map runs on receipt).
    return content
        .map(
            buffer -> {
              if (!receiving[0]) {
                receiving[0] = true;
                UpstreamHttp.watchReads(connection, idleMillis);
              }
              return ReadBatch.of(splitter.feed(buffer), decoder);
            })
        .concatWith(Mono.fromSupplier(() -> ReadBatch.finish(splitter.finish(), decoder)))
        .concatMap(ReadBatch::flux);
  }

  private static UpstreamResponse toResponse(
      HttpClientResponse response, byte[] bytes, Function<byte[], UpstreamResponse> answer) {
    int status = response.status().code();
    if (status >= 300) {
      throw AnthropicErrorMapper.fromResponse(status, bytes);
    }
    return answer.apply(bytes);
  }

  private long epochSeconds() {
    return clock.instant().getEpochSecond();
  }
}
