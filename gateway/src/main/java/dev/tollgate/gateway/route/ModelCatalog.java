package dev.tollgate.gateway.route;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The configured models, in configuration order, looked up by the id clients send. */
public final class ModelCatalog {

  private final Map<String, ModelRoute> routes;
  private final List<ModelRoute> ordered;

  public ModelCatalog(List<ModelRoute> routes) {
    Map<String, ModelRoute> byId = new LinkedHashMap<>();
    for (ModelRoute route : routes) {
      if (byId.putIfAbsent(route.modelId(), route) != null) {
        throw new IllegalArgumentException("duplicate model id '" + route.modelId() + "'");
      }
    }
    this.routes = Map.copyOf(byId);
    this.ordered = List.copyOf(byId.values());
  }

  /** The route for a model id, or null when no such model is configured. */
  public @Nullable ModelRoute find(String modelId) {
    return routes.get(modelId);
  }

  public List<ModelRoute> all() {
    return ordered;
  }
}
