package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.openai.OpenAiPayloadScanner.Scan;
import dev.tollgate.adapter.sse.SseEventSplitter;
import dev.tollgate.adapter.sse.SseEventSplitter.SseException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.core.JacksonException;

/**
 * Any server that speaks OpenAI's chat-completions API. Same dialect as the gateway, so this is the
 * pass-through path: the request body is forwarded with the model name swapped and usage requested;
 * events are relayed byte for byte and only scanned for usage.
 *
 * <p>One pooled Reactor Netty client per provider. Options: {@code stream-options} ({@code false}
 * for servers that reject {@code stream_options}), {@code max-event-bytes}.
 */
public final class OpenAiCompatibleAdapter implements ProviderAdapter {

  private static final String CHAT_PATH = "/chat/completions";

  private final ProviderSpec spec;
  private final HttpClient client;
  private final boolean askForUsage;
  private final int maxEventBytes;

  public OpenAiCompatibleAdapter(ProviderSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    if (spec.baseUrl() == null) {
      throw new IllegalArgumentException("base-url: missing (expected: the API base URL)");
    }
    this.askForUsage = booleanOption(spec, "stream-options", true);
    this.maxEventBytes = positiveIntOption(spec, "max-event-bytes", 16 << 20);
    ConnectionProvider pool =
        ConnectionProvider.builder("tollgate-" + spec.name())
            .maxConnections(spec.maxConnections())
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(spec.timeouts().connect().plus(spec.timeouts().firstByte()))
            .maxIdleTime(Duration.ofSeconds(50))
            .evictInBackground(Duration.ofSeconds(30))
            .build();
    String base = spec.baseUrl().toString().replaceAll("/+$", "");
    this.client =
        HttpClient.create(pool)
            .baseUrl(base)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, spec.timeouts().connect().toMillis()))
            .headers(
                h -> {
                  h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                  if (!spec.apiKey().isEmpty()) {
                    h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + spec.apiKey());
                  }
                });
  }

  private static boolean booleanOption(ProviderSpec spec, String name, boolean fallback) {
    String value = spec.options().get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "options." + name + ": '" + value + "' (expected: true or false)");
    };
  }

  private static int positiveIntOption(ProviderSpec spec, String name, int fallback) {
    String value = spec.options().get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed > 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "options." + name + ": '" + value + "' (expected: a whole number > 0)");
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    return Mono.defer(
            () -> {
              byte[] body = OpenAiRequestMapper.toUpstream(call, false, askForUsage);
              return client
                  .post()
                  .uri(CHAT_PATH)
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
   * Streams a completion. Timeouts cost nothing per event: they are read-idle watches on the
   * upstream connection ({@link Connection#onReadIdle}), the first-byte timeout until the first
   * bytes of the body arrive, then the idle timeout between reads.
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    long firstByteMillis = spec.timeouts().firstByte().toMillis();
    long idleMillis = spec.timeouts().idle().toMillis();
    return Flux.defer(
            () -> {
              byte[] body = OpenAiRequestMapper.toUpstream(call, true, askForUsage);
              return client
                  .doOnRequest((request, connection) -> watchReads(connection, firstByteMillis))
                  .post()
                  .uri(CHAT_PATH)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseConnection(
                      (response, connection) -> events(response, connection, idleMillis));
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
      HttpClientResponse response, Connection connection, long idleMillis) {
    ByteBufFlux content = connection.inbound().receive();
    int status = response.status().code();
    if (status >= 300) {
      return content
          .aggregate()
          .asByteArray()
          .defaultIfEmpty(new byte[0])
          .flatMapMany(
              bytes ->
                  Flux.error(
                      OpenAiErrorMapper.fromResponse(
                          status, bytes, response.responseHeaders().get("retry-after"))));
    }
    SseEventSplitter splitter = new SseEventSplitter(maxEventBytes);
    StreamEnd end = new StreamEnd();
    // Each network read is split, decoded and coalesced while its buffer is still valid (map runs
    // on receipt): the chunks of one read travel on as one event, one write to the client.
    return content
        .map(
            buffer -> {
              if (!end.receiving) {
                end.receiving = true;
                watchReads(connection, idleMillis);
              }
              return EventBatch.of(splitter.feed(buffer)).observedBy(end::observe);
            })
        .concatWith(
            Mono.fromSupplier(() -> EventBatch.of(splitter.finish()).observedBy(end::observe)))
        .concatMapIterable(Function.identity())
        .concatWith(Mono.defer(end::check));
  }

  /** Tells a finished stream from one the upstream cut off. Per stream; not thread-safe. */
  private static final class StreamEnd {
    private boolean receiving;
    private boolean done;
    private boolean finished;

    void observe(UpstreamEvent event) {
      if (event.kind() == Kind.DONE) {
        done = true;
      } else if (event.finishReason() != null || event.kind() == Kind.USAGE_ONLY) {
        finished = true;
      }
    }

    Mono<UpstreamEvent> check() {
      if (done || finished) {
        return Mono.empty();
      }
      return Mono.error(
          UpstreamException.protocol("upstream closed the stream before it finished", null));
    }
  }

  private UpstreamResponse toResponse(HttpClientResponse response, byte[] bytes) {
    int status = response.status().code();
    if (status >= 300) {
      throw OpenAiErrorMapper.fromResponse(
          status, bytes, response.responseHeaders().get("retry-after"));
    }
    Scan scan;
    try {
      scan = OpenAiPayloadScanner.scan(bytes, 0, bytes.length);
    } catch (JacksonException | IllegalArgumentException e) {
      throw UpstreamException.protocol("upstream sent a body that is not valid JSON", e);
    }
    if (scan.hasError) {
      throw OpenAiErrorMapper.fromResponse(502, bytes);
    }
    String text = scan.text();
    String reasoning = scan.reasoning();
    return new UpstreamResponse(
        bytes, scan.usage, text == null ? "" : text, reasoning == null ? "" : reasoning);
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
      if (root instanceof ConnectException
          || root instanceof io.netty.channel.ConnectTimeoutException) {
        return UpstreamException.unavailable("could not connect to upstream " + spec.name(), e);
      }
      root = root.getCause();
    }
    return UpstreamException.unavailable("upstream " + spec.name() + " failed", e);
  }
}
