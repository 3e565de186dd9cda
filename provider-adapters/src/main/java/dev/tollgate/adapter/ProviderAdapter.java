package dev.tollgate.adapter;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How the gateway talks to one upstream provider: one call that completes, one that streams.
 *
 * <p>Adapters speak the OpenAI chat-completions dialect to the gateway: a streamed {@link
 * UpstreamEvent} carries the bytes to relay to an OpenAI client and the metering facts the
 * adapter's decoder read from them. Failures arrive as {@link UpstreamException}. Optional
 * capabilities (embeddings, ...) belong in separate interfaces, not here.
 */
public interface ProviderAdapter {

  /** A non-streaming completion: the whole response body and its usage. */
  Mono<UpstreamResponse> complete(ChatCall call);

  /**
   * A streaming completion. Subscribing sends the request; cancelling the subscription cancels the
   * upstream request. Every event arrives as soon as the upstream sent it.
   */
  Flux<UpstreamEvent> stream(ChatCall call);
}
