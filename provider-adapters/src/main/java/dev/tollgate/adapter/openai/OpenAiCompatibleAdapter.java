package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.internal.UpstreamHttp;
import dev.tollgate.adapter.openai.OpenAiPayloadScanner.Scan;
import dev.tollgate.adapter.sse.SseEventSplitter;
import io.netty.buffer.Unpooled;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import tools.jackson.core.JacksonException;

/**
 * Any server that speaks OpenAI's chat-completions API. Same dialect as the gateway, so this is the
 * pass-through path: the request body is forwarded with the model name swapped and usage requested;
 * events are relayed byte for byte and only scanned for usage. Also serves embeddings.
 *
 * <p>One pooled Reactor Netty client per provider. Where the server lives, how it takes the key and
 * how its URLs look come from its {@link OpenAiPreset} (option {@code preset}); the options are
 * read and checked by {@link OpenAiEndpoint}.
 */
public final class OpenAiCompatibleAdapter implements ProviderAdapter, EmbeddingsCapable {

  private final ProviderSpec spec;
  private final OpenAiEndpoint endpoint;
  private final HttpClient client;

  /**
   * @throws IllegalArgumentException naming the option and what was expected when the settings are
   *     not usable
   */
  public OpenAiCompatibleAdapter(ProviderSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.endpoint = OpenAiEndpoint.of(spec);
    this.client = UpstreamHttp.client(spec, endpoint.baseUrl(), endpoint::applyHeaders);
  }

  /** The preset this adapter was configured with. */
  public OpenAiPreset preset() {
    return endpoint.preset();
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    return post(
        endpoint.chatUri(call.upstreamModel()),
        () -> OpenAiRequestMapper.toUpstream(call, false, endpoint.askForUsage()),
        this::toResponse);
  }

  /** {@code POST /embeddings} (Azure: the deployment's); the response body is relayed as is. */
  @Override
  public Mono<EmbeddingsResponse> embed(EmbeddingsCall call) {
    Objects.requireNonNull(call, "call");
    return post(
        endpoint.embeddingsUri(call.upstreamModel()),
        () -> OpenAiRequestMapper.toUpstream(call),
        bytes -> new EmbeddingsResponse(bytes, scanBody(bytes).usage));
  }

  /** Sends one request and reads its whole answer: an error status fails, else {@code read}. */
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
                              .map(
                                  answer -> {
                                    int status = response.status().code();
                                    if (status >= 300) {
                                      throw OpenAiErrorMapper.fromResponse(
                                          status,
                                          answer,
                                          response.responseHeaders().get("retry-after"));
                                    }
                                    return read.apply(answer);
                                  }));
            })
        .timeout(spec.timeouts().firstByte())
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, spec.name()));
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
              byte[] body = OpenAiRequestMapper.toUpstream(call, true, endpoint.askForUsage());
              return client
                  .doOnRequest(
                      (request, connection) -> UpstreamHttp.watchReads(connection, firstByteMillis))
                  .post()
                  .uri(endpoint.chatUri(call.upstreamModel()))
                  .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                  .responseConnection(
                      (response, connection) -> events(response, connection, idleMillis));
            })
        .onErrorMap(e -> UpstreamHttp.toUpstreamException(e, spec.name()));
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
    SseEventSplitter splitter = new SseEventSplitter(endpoint.maxEventBytes());
    StreamEnd end = new StreamEnd();
    // Each network read is split, decoded and coalesced while its buffer is still valid (map runs
    // on receipt): the chunks of one read travel on as one event, one write to the client.
    return content
        .map(
            buffer -> {
              if (!end.receiving) {
                end.receiving = true;
                UpstreamHttp.watchReads(connection, idleMillis);
              }
              return EventBatch.of(splitter.feed(buffer)).observedBy(end::observe);
            })
        .concatWith(
            Mono.fromSupplier(() -> EventBatch.of(splitter.finish()).observedBy(end::observe)))
        .concatMapIterable(Function.identity())
        .filter(end::relay)
        // After [DONE] the stream is complete: a read timeout or a reset while the upstream closes
        // the response is no failure of the stream the client already received in full.
        .onErrorResume(e -> end.done ? Mono.empty() : Mono.error(e))
        .concatWith(Mono.defer(end::check));
  }

  /**
   * Tells a finished stream from one the upstream cut off, and drops the comments that come before
   * the first data event. Per stream; not thread-safe.
   */
  private static final class StreamEnd {
    private boolean receiving;
    private boolean data;
    private boolean done;
    private boolean finished;

    void observe(UpstreamEvent event) {
      if (event.kind() != Kind.COMMENT) {
        data = true;
      }
      if (event.kind() == Kind.DONE) {
        done = true;
      } else if (event.finishReason() != null || event.kind() == Kind.USAGE_ONLY) {
        finished = true;
      }
    }

    /**
     * Leading comments (OpenRouter's {@code : OPENROUTER PROCESSING} while it picks a provider) are
     * not relayed: the client would count as served, so an upstream failure before the first token
     * would reach it inside a 200 stream and be billed as a partial request. They still count as
     * reads for the timeouts. Comments after the first data event are relayed as they are.
     */
    boolean relay(UpstreamEvent event) {
      return data || event.kind() != Kind.COMMENT;
    }

    Mono<UpstreamEvent> check() {
      if (done || finished) {
        return Mono.empty();
      }
      return Mono.error(
          UpstreamException.protocol("upstream closed the stream before it finished", null));
    }
  }

  private UpstreamResponse toResponse(byte[] bytes) {
    Scan scan = scanBody(bytes);
    String text = scan.text();
    String reasoning = scan.reasoning();
    return new UpstreamResponse(
        bytes, scan.usage, text == null ? "" : text, reasoning == null ? "" : reasoning);
  }

  /** Reads a successful JSON body; an error object inside it is an upstream failure. */
  private static Scan scanBody(byte[] bytes) {
    Scan scan;
    try {
      scan = OpenAiPayloadScanner.scan(bytes, 0, bytes.length);
    } catch (JacksonException | IllegalArgumentException e) {
      throw UpstreamException.protocol("upstream sent a body that is not valid JSON", e);
    }
    if (scan.hasError) {
      throw OpenAiErrorMapper.fromResponse(502, bytes);
    }
    return scan;
  }
}
