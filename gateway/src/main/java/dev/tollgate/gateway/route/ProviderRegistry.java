package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Finds the adapter factory for each provider type (through {@link ServiceLoader}) and hands out
 * adapters, one per provider and set of model options, so that the models of one provider share its
 * connection pool.
 */
public final class ProviderRegistry {

  private final Map<String, ProviderAdapterFactory> factories = new HashMap<>();
  private final Map<String, ProviderAdapter> adapters = new HashMap<>();

  public ProviderRegistry() {
    for (ProviderAdapterFactory factory : ServiceLoader.load(ProviderAdapterFactory.class)) {
      factories.put(factory.type(), factory);
    }
  }

  /** The provider types this build can serve. */
  public Set<String> types() {
    return new TreeSet<>(factories.keySet());
  }

  public @Nullable ProviderAdapterFactory factory(String type) {
    return factories.get(type);
  }

  /** An adapter for the provider with the model's options; the same one for the same pair. */
  public ProviderAdapter adapter(ProviderSpec provider, Map<String, String> modelOptions) {
    String key = provider.name() + "\u0000" + new java.util.TreeMap<>(modelOptions);
    ProviderAdapter existing = adapters.get(key);
    if (existing != null) {
      return existing;
    }
    ProviderAdapterFactory factory = factories.get(provider.type());
    if (factory == null) {
      throw new IllegalArgumentException("no adapter for provider type '" + provider.type() + "'");
    }
    ProviderAdapter adapter = factory.create(provider, modelOptions);
    adapters.put(key, adapter);
    return adapter;
  }
}
