package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.sse.SseEventSplitter;
import dev.tollgate.adapter.sse.SseEventSplitter.SseException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;

/**
 * Anthropic's Messages API ({@code POST {base-url}/messages}) behind the OpenAI dialect: requests
 * are translated by {@link AnthropicRequestMapper}, streams by {@link AnthropicStreamDecoder},
 * whole messages by {@link AnthropicResponseMapper}, errors by {@link AnthropicErrorMapper}. A
 * request that cannot be translated fails with a 400 before anything is sent.
 *
 * <p>One pooled Reactor Netty client per provider; timeouts as the OpenAI adapter keeps them
 * (read-idle watches, nothing per event). Options: see {@link AnthropicOptions}.
 */
public final class AnthropicAdapter implements ProviderAdapter {

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
    ConnectionProvider pool =
        ConnectionProvider.builder("tollgate-" + spec.name())
            .maxConnections(spec.maxConnections())
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(spec.timeouts().connect().plus(spec.timeouts().firstByte()))
            .maxIdleTime(Duration.ofSeconds(50))
            .evictInBackground(Duration.ofSeconds(30))
            .build();
    this.client =
        HttpClient.create(pool)
            .baseUrl(baseUrl.toString().replaceAll("/+$", ""))
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, spec.timeouts().connect().toMillis()))
            .headers(
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
    return Mono.defer(
            () -> {
              byte[] body = AnthropicRequestMapper.toUpstream(call, false, options);
              return client
                  .post()
                  .uri(AnthropicWire.MESSAGES_PATH)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseSingle(
                      (response, content) ->
                          content
                              .asByteArray()
                              .defaultIfEmpty(new byte[0])
                              .map(bytes -> toResponse(response, bytes)));
            })
        .timeout(spec.timeouts().firstByte())
        .onErrorMap(this::toUpstreamException);
  }

  /**
   * Streams a completion: the first-byte timeout runs until the body's first bytes arrive, then the
   * idle timeout between reads. The decoder, which holds the stream's state, is built per
   * subscription.
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    long firstByteMillis = spec.timeouts().firstByte().toMillis();
    long idleMillis = spec.timeouts().idle().toMillis();
    return Flux.defer(
            () -> {
              byte[] body = AnthropicRequestMapper.toUpstream(call, true, options);
              AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(epochSeconds());
              return client
                  .doOnRequest((request, connection) -> watchReads(connection, firstByteMillis))
                  .post()
                  .uri(AnthropicWire.MESSAGES_PATH)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseConnection(
                      (response, connection) -> events(response, connection, decoder, idleMillis));
            })
        .onErrorMap(this::toUpstreamException);
  }

  /** From now on, no read for {@code millis} fails the exchange with a read timeout. */
  private static void watchReads(Connection connection, long millis) {
    connection.onReadIdle(
        millis,
        () -> connection.channel().pipeline().fireExceptionCaught(ReadTimeoutException.INSTANCE));
  }

  private Flux<UpstreamEvent> events(
      HttpClientResponse response,
      Connection connection,
      AnthropicStreamDecoder decoder,
      long idleMillis) {
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
                watchReads(connection, idleMillis);
              }
              return ReadBatch.of(splitter.feed(buffer), decoder);
            })
        .concatWith(Mono.fromSupplier(() -> ReadBatch.finish(splitter.finish(), decoder)))
        .concatMap(ReadBatch::flux);
  }

  private UpstreamResponse toResponse(HttpClientResponse response, byte[] bytes) {
    int status = response.status().code();
    if (status >= 300) {
      throw AnthropicErrorMapper.fromResponse(status, bytes);
    }
    return AnthropicResponseMapper.toResponse(bytes, epochSeconds());
  }

  private long epochSeconds() {
    return clock.instant().getEpochSecond();
  }

  private Throwable toUpstreamException(Throwable e) {
    if (e instanceof UpstreamException) {
      return e;
    }
    if (e instanceof TimeoutException || e instanceof ReadTimeoutException) {
      return UpstreamException.timeout("upstream " + spec.name() + " did not answer in time");
    }
    if (e instanceof SseException) {
      return UpstreamException.protocol(e.getMessage(), e);
    }
    if (e instanceof PrematureCloseException) {
      return UpstreamException.unavailable(
          "upstream " + spec.name() + " closed the connection early", e);
    }
    @Nullable Throwable root = e;
    while (root != null) {
      if (root instanceof ConnectException || root instanceof ConnectTimeoutException) {
        return UpstreamException.unavailable("could not connect to upstream " + spec.name(), e);
      }
      root = root.getCause();
    }
    return UpstreamException.unavailable("upstream " + spec.name() + " failed", e);
  }
}
