package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import dev.tollgate.adapter.internal.UpstreamHttp;
import dev.tollgate.adapter.internal.UpstreamTransport;
import dev.tollgate.adapter.openai.OpenAiPayloadScanner.Scan;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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

  private final OpenAiEndpoint endpoint;
  private final UpstreamTransport transport;

  /**
   * @throws IllegalArgumentException naming the option and what was expected when the settings are
   *     not usable
   */
  public OpenAiCompatibleAdapter(ProviderSpec spec) {
    Objects.requireNonNull(spec, "spec");
    this.endpoint = OpenAiEndpoint.of(spec);
    this.transport =
        new UpstreamTransport(
            spec,
            UpstreamHttp.client(spec, endpoint.baseUrl(), endpoint::applyHeaders),
            OpenAiErrorMapper::fromResponse,
            endpoint.maxEventBytes(),
            Coalescing.JOIN_CHUNKS);
  }

  /** The preset this adapter was configured with. */
  public OpenAiPreset preset() {
    return endpoint.preset();
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    return transport.send(
        endpoint.chatUri(call.upstreamModel()),
        () -> OpenAiRequestMapper.toUpstream(call, false, endpoint.askForUsage()),
        this::toResponse);
  }

  /** {@code POST /embeddings} (Azure: the deployment's); the response body is relayed as is. */
  @Override
  public Mono<EmbeddingsResponse> embed(EmbeddingsCall call) {
    Objects.requireNonNull(call, "call");
    return transport.send(
        endpoint.embeddingsUri(call.upstreamModel()),
        () -> OpenAiRequestMapper.toUpstream(call),
        bytes -> new EmbeddingsResponse(bytes, scanBody(bytes).usage));
  }

  /**
   * Streams a completion; the events are relayed as they came, the chunks of one network read
   * joined into one event (one write to the client), and read by an {@link OpenAiStreamReader}.
   */
  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    return transport.stream(
        endpoint.chatUri(call.upstreamModel()),
        () -> OpenAiRequestMapper.toUpstream(call, true, endpoint.askForUsage()),
        OpenAiStreamReader::new);
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
