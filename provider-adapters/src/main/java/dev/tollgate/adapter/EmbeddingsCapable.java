package dev.tollgate.adapter;

import reactor.core.publisher.Mono;

/**
 * An optional capability of a {@link ProviderAdapter}: OpenAI-dialect embeddings. The gateway asks
 * {@code adapter instanceof EmbeddingsCapable} instead of every adapter carrying a stub that fails.
 */
public interface EmbeddingsCapable {

  /**
   * Creates embeddings. The response body is relayed to the client as the upstream sent it;
   * failures arrive as {@link UpstreamException}.
   */
  Mono<EmbeddingsResponse> embed(EmbeddingsCall call);
}
