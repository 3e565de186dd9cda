package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ProviderAdapter;
import java.util.Objects;

/**
 * Where requests for one model go.
 *
 * @param modelId the name clients use
 * @param provider the provider's configured name
 * @param upstreamModel the name the provider knows
 * @param adapter the adapter that talks to the provider
 */
public record ModelRoute(
    String modelId, String provider, String upstreamModel, ProviderAdapter adapter) {

  public ModelRoute {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(upstreamModel, "upstreamModel");
    Objects.requireNonNull(adapter, "adapter");
  }
}
