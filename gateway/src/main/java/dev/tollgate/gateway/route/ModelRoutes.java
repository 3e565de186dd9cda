package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.GatewayProperties.Model;
import dev.tollgate.gateway.config.InvalidConfigurationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Builds each model's route from {@code gateway.models[]}: its deployments (the {@code provider} /
 * {@code upstream-model} short form, or {@code deployments[]} with weights) and its fallbacks.
 * Every bad value is an {@link InvalidConfigurationException} naming it.
 */
final class ModelRoutes {

  private final Map<String, ProviderSpec> providers;
  private final ProviderRegistry registry;
  private final CircuitBreaker.Settings breakers;

  ModelRoutes(
      Map<String, ProviderSpec> providers,
      ProviderRegistry registry,
      CircuitBreaker.Settings breakers) {
    this.providers = providers;
    this.registry = registry;
    this.breakers = breakers;
  }

  List<ModelRoute> build(List<Model> models) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < models.size(); i++) {
      Model model = models.get(i);
      String at = "gateway.models[" + i + "]";
      if (model.id() == null || model.id().isBlank()) {
        throw new InvalidConfigurationException(
            at + ".id: missing (expected: the model name clients use)");
      }
      if (!ids.add(model.id())) {
        throw new InvalidConfigurationException(
            at + ".id: '" + model.id() + "' is configured twice");
      }
      Integer contextLength = model.contextLength();
      if (contextLength != null && contextLength < 1) {
        throw new InvalidConfigurationException(
            at + ".context-length: " + contextLength + " (expected: > 0 tokens)");
      }
    }
    List<ModelRoute> routes = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      Model model = models.get(i);
      String at = "gateway.models[" + i + "]";
      String id = model.id();
      List<Deployment> deployments = new ArrayList<>();
      if (model.deployments().isEmpty()) {
        deployments.add(deployment(at, at, model, model.provider(), model.upstreamModel(), 1));
      } else {
        if (model.provider() != null || model.upstreamModel() != null) {
          throw new InvalidConfigurationException(
              at
                  + ": both provider/upstream-model and deployments are set (expected: one"
                  + " of them; provider is the short form of one deployment)");
        }
        for (int d = 0; d < model.deployments().size(); d++) {
          GatewayProperties.Deployment deployment = model.deployments().get(d);
          String dat = at + ".deployments[" + d + "]";
          if (deployment.weight() < 1) {
            throw new InvalidConfigurationException(
                dat + ".weight: " + deployment.weight() + " (expected: > 0)");
          }
          deployments.add(
              deployment(
                  at,
                  dat,
                  model,
                  deployment.provider(),
                  deployment.upstreamModel(),
                  deployment.weight()));
        }
      }
      List<String> fallbacks = model.fallbacks();
      for (int f = 0; f < fallbacks.size(); f++) {
        String fallback = fallbacks.get(f);
        String fat = at + ".fallbacks[" + f + "]";
        if (id.equals(fallback)) {
          throw new InvalidConfigurationException(
              fat + ": '" + fallback + "' is the model itself (expected: another model's id)");
        }
        if (!ids.contains(fallback)) {
          throw new InvalidConfigurationException(
              fat
                  + ": "
                  + quoted(fallback)
                  + " (expected one of the configured models: "
                  + new TreeSet<>(ids)
                  + ")");
        }
      }
      routes.add(new ModelRoute(id, deployments, fallbacks));
    }
    return routes;
  }

  private Deployment deployment(
      String modelAt,
      String at,
      Model model,
      @Nullable String providerName,
      @Nullable String upstream,
      int weight) {
    ProviderSpec provider = providerName == null ? null : providers.get(providerName);
    if (provider == null) {
      throw new InvalidConfigurationException(
          at
              + ".provider: "
              + quoted(providerName)
              + " (expected one of the configured providers: "
              + new TreeSet<>(providers.keySet())
              + ")");
    }
    String upstreamModel = upstream == null || upstream.isBlank() ? model.id() : upstream;
    try {
      return new Deployment(
          model.id(),
          provider.name(),
          upstreamModel,
          registry.adapter(provider, model.mock()),
          weight,
          new CircuitBreaker(breakers));
    } catch (IllegalArgumentException e) {
      // the mock's settings belong to the model
      throw new InvalidConfigurationException(modelAt + "." + e.getMessage(), e);
    }
  }

  private static String quoted(@Nullable String value) {
    return value == null ? "missing" : "'" + value + "'";
  }
}
