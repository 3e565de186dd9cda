package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ProviderAdapter;
import java.util.List;
import java.util.Objects;

/**
 * Where requests for one model go: its deployments, picked by weight, and the models to fall back
 * to, in order, when none of them serves.
 *
 * @param modelId the name clients use
 * @param deployments at least one
 * @param fallbacks ids of other configured models
 */
public record ModelRoute(String modelId, List<Deployment> deployments, List<String> fallbacks) {

  public ModelRoute {
    Objects.requireNonNull(modelId, "modelId");
    deployments = List.copyOf(deployments);
    fallbacks = List.copyOf(fallbacks);
    if (deployments.isEmpty()) {
      throw new IllegalArgumentException("deployments: none (expected: at least one)");
    }
  }

  /** A model with one deployment and no fallbacks. */
  public ModelRoute(
      String modelId, String provider, String upstreamModel, ProviderAdapter adapter) {
    this(
        modelId,
        List.of(
            new Deployment(
                modelId,
                provider,
                upstreamModel,
                adapter,
                1,
                new CircuitBreaker(CircuitBreaker.Settings.defaults()))),
        List.of());
  }

  /** The first deployment's provider: what a request is reserved under before one serves it. */
  public String provider() {
    return deployments.getFirst().provider();
  }
}
