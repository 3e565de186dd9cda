package dev.tollgate.gateway.pipeline;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The API dialect a client speaks, as {@link ChatPipeline} needs it: how each routing attempt talks
 * to an adapter, and how the answer (OpenAI-dialect, or the client's own when an adapter served it
 * natively) is written for that client. One instance per request.
 */
public interface ClientDialect {

  /**
   * Whether the stream's usage-only chunk must reach the encoder ({@code ChatCall.includeUsage}):
   * for OpenAI clients, whether they asked for it.
   */
  boolean includeUsage();

  /**
   * Streams from one deployment's adapter (one routing attempt): by default the chat-completions
   * call. A dialect whose clients some adapters serve natively asks for that instead; the {@link
   * #streamEncoder} then gets events of {@link UpstreamEvent.Kind#NATIVE} kind.
   *
   * @param call the request addressed to the deployment's upstream model
   */
  default Flux<UpstreamEvent> stream(ProviderAdapter adapter, ChatCall call) {
    return adapter.stream(call);
  }

  /**
   * A whole answer from one deployment's adapter, as {@link #stream}; a native answer reaches
   * {@link #body} with {@link UpstreamResponse#nativeDialect()} set.
   */
  default Mono<UpstreamResponse> complete(ProviderAdapter adapter, ChatCall call) {
    return adapter.complete(call);
  }

  /** The encoder of one streamed answer. */
  StreamEncoder streamEncoder(Tab tab, RequestMeter meter);

  /**
   * The body of a whole (non-streamed) answer.
   *
   * @param usage what is billed: the upstream's report, else the local count
   * @param costNanos the request's cost
   */
  byte[] body(UpstreamResponse response, TokenUsage usage, long costNanos);
}
