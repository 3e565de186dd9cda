package dev.tollgate.adapter.internal;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import dev.tollgate.adapter.sse.SseEventSplitter;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * How every network adapter talks to its upstream: {@link #send} posts a request and reads the
 * whole answer, {@link #stream} posts one and relays its server-sent events as they arrive. Both
 * turn an error status into the provider's {@link ErrorMapper error} and a transport failure into
 * an {@link UpstreamException} ({@link UpstreamHttp#toUpstreamException}); the adapter supplies
 * only what is its own: the URI, the body, how to read the answer.
 *
 * <p>Timeouts cost nothing per event: a streamed call's are read-idle watches on the connection
 * ({@link UpstreamHttp#watchReads}), the first-byte timeout until the body's first bytes arrive,
 * then the idle timeout between reads. A whole answer must arrive within the first-byte timeout.
 */
public final class UpstreamTransport {

  /** A provider's error response (status >= 300) as the exception the gateway answers with. */
  @FunctionalInterface
  public interface ErrorMapper {
    /**
     * @param retryAfter the response's {@code Retry-After} header, if any
     */
    UpstreamException fromResponse(int status, byte[] body, @Nullable String retryAfter);
  }

  private static final byte[] NO_BODY = new byte[0];

  private final String provider;
  private final Duration firstByte;
  private final long firstByteMillis;
  private final long idleMillis;
  private final HttpClient client;
  private final ErrorMapper errors;
  private final int maxEventBytes;
  private final Coalescing coalescing;

  /**
   * @param client the provider's pooled client ({@link UpstreamHttp#client})
   * @param maxEventBytes the largest server-sent event a stream may hold
   * @param coalescing how the events of one network read travel on
   */
  public UpstreamTransport(
      ProviderSpec spec,
      HttpClient client,
      ErrorMapper errors,
      int maxEventBytes,
      Coalescing coalescing) {
    Objects.requireNonNull(spec, "spec");
    this.provider = spec.name();
    this.firstByte = spec.timeouts().firstByte();
    this.firstByteMillis = firstByte.toMillis();
    this.idleMillis = spec.timeouts().idle().toMillis();
    this.client = Objects.requireNonNull(client, "client");
    this.errors = Objects.requireNonNull(errors, "errors");
    this.maxEventBytes = maxEventBytes;
    this.coalescing = Objects.requireNonNull(coalescing, "coalescing");
  }

  /**
   * Posts {@code body} to {@code uri} and reads the whole answer with {@code read}. The body is
   * built on subscription, so a request refused while translating sends nothing.
   */
  public <T> Mono<T> send(String uri, Supplier<byte[]> body, Function<byte[], T> read) {
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
                              .defaultIfEmpty(NO_BODY)
                              .map(
                                  answer -> {
                                    if (response.status().code() >= 300) {
                                      throw error(response, answer);
                                    }
                                    return read.apply(answer);
                                  }));
            })
        .timeout(firstByte)
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, provider));
  }

  /**
   * Posts {@code body} to {@code uri} and relays the answer's server-sent events, decoded by a
   * decoder from {@code decoders} (one per subscription: it holds the stream's state). Each network
   * read is split, decoded and batched while its buffer is still valid. A failure after the decoder
   * says the stream {@linkplain EventDecoder#ended() ended} ends the stream quietly.
   */
  public Flux<UpstreamEvent> stream(
      String uri, Supplier<byte[]> body, Supplier<? extends EventDecoder> decoders) {
    return Flux.defer(
            () -> {
              byte[] bytes = body.get();
              EventDecoder decoder = decoders.get();
              return client
                  .doOnRequest(
                      (request, connection) -> UpstreamHttp.watchReads(connection, firstByteMillis))
                  .post()
                  .uri(uri)
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(bytes)))
                  .responseConnection(
                      (response, connection) -> events(response, connection, decoder));
            })
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, provider));
  }

  private Flux<UpstreamEvent> events(
      HttpClientResponse response, Connection connection, EventDecoder decoder) {
    ByteBufFlux content = connection.inbound().receive();
    if (response.status().code() >= 300) {
      return content
          .aggregate()
          .asByteArray()
          .defaultIfEmpty(NO_BODY)
          .flatMapMany(bytes -> Flux.error(error(response, bytes)));
    }
    SseEventSplitter splitter = new SseEventSplitter(maxEventBytes);
    boolean[] receiving = {false};
    return content
        .map(
            buffer -> {
              if (!receiving[0]) {
                receiving[0] = true;
                UpstreamHttp.watchReads(connection, idleMillis); // the body started
              }
              return EventBatch.of(splitter.feed(buffer), decoder, coalescing);
            })
        .concatWith(
            Mono.fromSupplier(() -> EventBatch.last(splitter.finish(), decoder, coalescing)))
        .concatMapIterable(Function.identity())
        .onErrorResume(e -> decoder.ended() ? Mono.empty() : Mono.error(e));
  }

  private UpstreamException error(HttpClientResponse response, byte[] body) {
    return errors.fromResponse(
        response.status().code(), body, response.responseHeaders().get("retry-after"));
  }
}
