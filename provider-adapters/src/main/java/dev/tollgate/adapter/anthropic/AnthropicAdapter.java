package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.NativeMessagesCall;
import dev.tollgate.adapter.NativeMessagesCapable;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import dev.tollgate.adapter.internal.UpstreamHttp;
import dev.tollgate.adapter.internal.UpstreamTransport;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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
 * <p>One pooled Reactor Netty client per provider, used through an {@link UpstreamTransport}; the
 * chunks of one network read travel on as one event. Options: see {@link AnthropicOptions}.
 */
public final class AnthropicAdapter implements ProviderAdapter, NativeMessagesCapable {

  private final AnthropicOptions options;
  private final Clock clock;
  private final UpstreamTransport transport;

  /**
   * @param clock the source of the {@code created} time of translated responses
   * @throws IllegalArgumentException naming the option when an option is not usable
   */
  public AnthropicAdapter(ProviderSpec spec, Clock clock) {
    Objects.requireNonNull(spec, "spec");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.options = AnthropicOptions.from(spec);
    URI baseUrl =
        spec.baseUrl() != null ? spec.baseUrl() : URI.create(AnthropicWire.DEFAULT_BASE_URL);
    this.transport =
        new UpstreamTransport(
            spec,
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
                }),
            (status, body, retryAfter) -> AnthropicErrorMapper.fromResponse(status, body),
            options.maxEventBytes(),
            Coalescing.JOIN_CHUNKS);
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    return transport.send(
        AnthropicWire.MESSAGES_PATH,
        () -> AnthropicRequestMapper.toUpstream(call, false, options),
        bytes -> AnthropicResponseMapper.toResponse(bytes, epochSeconds()));
  }

  /**
   * Streams a completion, translated by an {@link AnthropicStreamDecoder} made per subscription (it
   * holds the stream's state).
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    return transport.stream(
        AnthropicWire.MESSAGES_PATH,
        () -> AnthropicRequestMapper.toUpstream(call, true, options),
        () -> new AnthropicStreamDecoder(epochSeconds()));
  }

  /** The client's request with the upstream's model name; the answer as it came. */
  @Override
  public Mono<UpstreamResponse> completeNative(NativeMessagesCall call) {
    return transport.send(
        AnthropicWire.MESSAGES_PATH,
        () -> nativeBody(call, false),
        AnthropicResponseMapper::toNativeResponse);
  }

  /** The client's request with the upstream's model name; its events relayed as they came. */
  @Override
  public Flux<UpstreamEvent> streamNative(NativeMessagesCall call) {
    return transport.stream(
        AnthropicWire.MESSAGES_PATH, () -> nativeBody(call, true), AnthropicNativeScanner::new);
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

  private long epochSeconds() {
    return clock.instant().getEpochSecond();
  }
}
