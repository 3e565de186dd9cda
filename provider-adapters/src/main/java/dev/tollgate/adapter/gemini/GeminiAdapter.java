package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import dev.tollgate.adapter.internal.ProviderOptions;
import dev.tollgate.adapter.internal.UpstreamHttp;
import dev.tollgate.adapter.internal.UpstreamTransport;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.URI;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Google's Gemini API ({@code generateContent}, {@code streamGenerateContent?alt=sse}) behind the
 * OpenAI chat-completions dialect: requests are translated by {@link GeminiRequestMapper}, streams
 * by a {@link GeminiStreamDecoder} per stream, whole responses by {@link GeminiResponseMapper}.
 * Embeddings go to {@code batchEmbedContents}, translated both ways by {@link
 * GeminiEmbeddingsMapper}.
 *
 * <p>One pooled Reactor Netty client per provider, used through an {@link UpstreamTransport}; the
 * key travels in {@code x-goog-api-key}. The base URL defaults to {@value #DEFAULT_BASE_URL}.
 * Option: {@code max-event-bytes}.
 */
public final class GeminiAdapter implements ProviderAdapter, EmbeddingsCapable {

  public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

  private final UpstreamTransport transport;

  /**
   * Each Gemini event stays one event for the client ({@link Coalescing#ONE_PER_EVENT}), as it
   * always has: a Gemini event already holds a delta of a few tokens, and joining them has not been
   * measured to pay.
   */
  public GeminiAdapter(ProviderSpec spec) {
    Objects.requireNonNull(spec, "spec");
    URI baseUrl = spec.baseUrl() == null ? URI.create(DEFAULT_BASE_URL) : spec.baseUrl();
    this.transport =
        new UpstreamTransport(
            spec,
            UpstreamHttp.client(
                spec,
                baseUrl.toString(),
                h -> {
                  h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                  if (!spec.apiKey().isEmpty()) {
                    h.set("x-goog-api-key", spec.apiKey());
                  }
                }),
            (status, body, retryAfter) -> GeminiErrorMapper.fromResponse(status, body),
            ProviderOptions.positiveInt(spec.options(), "max-event-bytes", 16 << 20),
            Coalescing.ONE_PER_EVENT);
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    Objects.requireNonNull(call, "call");
    return transport.send(
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
    return transport.send(
        GeminiEmbeddingsMapper.path(call.upstreamModel()),
        () -> GeminiEmbeddingsMapper.toUpstream(call.body(), call.upstreamModel()),
        bytes ->
            new EmbeddingsResponse(
                GeminiEmbeddingsMapper.toOpenAi(bytes, call.upstreamModel(), inputs), null));
  }

  /**
   * Streams a completion, translated by a {@link GeminiStreamDecoder} made per subscription (it
   * holds the stream's state). A request refused while translating (400) sends nothing.
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    Objects.requireNonNull(call, "call");
    return transport.stream(
        GeminiRequestMapper.path(call.upstreamModel(), true),
        () -> GeminiRequestMapper.toUpstream(call),
        () -> new GeminiStreamDecoder(call.upstreamModel()));
  }
}
