package dev.tollgate.gateway.config;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.gateway.auth.DevKeyStore;
import dev.tollgate.gateway.billing.BillingProperties;
import dev.tollgate.gateway.config.GatewayProperties.Model;
import dev.tollgate.gateway.config.GatewayProperties.Price;
import dev.tollgate.gateway.config.GatewayProperties.Provider;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import dev.tollgate.gateway.route.ProviderRegistry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Checks {@code gateway.*} at start-up and builds the routing table from it. Every bad value stops
 * start-up with an {@link InvalidConfigurationException} that names it.
 */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

  private static final Logger log = LoggerFactory.getLogger(GatewayConfiguration.class);

  @Bean
  TokenEstimator tokenEstimator() {
    return TokenEstimator.shared();
  }

  @Bean
  ProviderRegistry providerRegistry() {
    return new ProviderRegistry();
  }

  /** The dev keys; with billing on, {@code auth.CachingKeyStore} serves them and stored keys. */
  @Bean
  DevKeyStore devKeyStore(GatewayProperties properties, BillingProperties billing) {
    List<String> keys = properties.devKeys();
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      if (key == null || key.isBlank() || key.length() < DevKeyStore.MIN_LENGTH) {
        throw new InvalidConfigurationException(
            "gateway.dev-keys[%d]: %d characters (expected: at least %d)"
                .formatted(i, key == null ? 0 : key.length(), DevKeyStore.MIN_LENGTH));
      }
    }
    if (keys.isEmpty()) {
      String generated = DevKeyStore.generate();
      log.info(
          "No gateway.dev-keys configured: this run accepts the generated development key {}"
              + " (set gateway.dev-keys to choose your own)",
          generated);
      keys = List.of(generated);
    }
    return DevKeyStore.of(keys, billing.demo().id());
  }

  @Bean
  ModelCatalog modelCatalog(GatewayProperties properties, ProviderRegistry registry) {
    if (properties.maxRequestSize().toBytes() <= 0) {
      throw new InvalidConfigurationException(
          "gateway.max-request-size: " + properties.maxRequestSize() + " (expected: > 0)");
    }
    Map<String, ProviderSpec> providers = new HashMap<>();
    properties
        .providers()
        .forEach(
            (name, p) -> {
              ProviderSpec spec = spec(name, p, properties, registry);
              try {
                registry.adapter(spec, Map.of()); // checks the provider even if no model uses it
              } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(
                    "gateway.providers." + name + "." + e.getMessage(), e);
              }
              providers.put(name, spec);
            });

    List<ModelRoute> routes = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    List<Model> models = properties.models();
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
      ProviderSpec provider = model.provider() == null ? null : providers.get(model.provider());
      if (provider == null) {
        throw new InvalidConfigurationException(
            at
                + ".provider: "
                + quoted(model.provider())
                + " (expected one of the configured providers: "
                + new java.util.TreeSet<>(providers.keySet())
                + ")");
      }
      checkPrice(at + ".price", model.price());
      String upstreamModel =
          model.upstreamModel() == null || model.upstreamModel().isBlank()
              ? model.id()
              : model.upstreamModel();
      try {
        routes.add(
            new ModelRoute(
                model.id(),
                provider.name(),
                upstreamModel,
                registry.adapter(provider, model.mock())));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigurationException(at + "." + e.getMessage(), e);
      }
    }
    return new ModelCatalog(routes);
  }

  private static ProviderSpec spec(
      String name, Provider p, GatewayProperties properties, ProviderRegistry registry) {
    String at = "gateway.providers." + name;
    if (p.type() == null || registry.factory(p.type()) == null) {
      throw new InvalidConfigurationException(
          at + ".type: " + quoted(p.type()) + " (expected one of: " + registry.types() + ")");
    }
    var defaults = properties.upstream();
    try {
      return new ProviderSpec(
          name,
          p.type(),
          p.baseUrl(),
          p.apiKey(),
          new ProviderSpec.Timeouts(
              p.connectTimeout() != null ? p.connectTimeout() : defaults.connectTimeout(),
              p.firstByteTimeout() != null ? p.firstByteTimeout() : defaults.firstByteTimeout(),
              p.idleTimeout() != null ? p.idleTimeout() : defaults.idleTimeout()),
          p.maxConnections(),
          p.options());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigurationException(at + "." + e.getMessage(), e);
    }
  }

  private static void checkPrice(String at, @Nullable Price price) {
    if (price == null) {
      return;
    }
    checkAmount(at + ".input", price.input());
    checkAmount(at + ".cached-input", price.cachedInput());
    checkAmount(at + ".output", price.output());
    checkAmount(at + ".reasoning", price.reasoning());
    checkAmount(at + ".request", price.request());
  }

  private static void checkAmount(String at, @Nullable BigDecimal amount) {
    if (amount != null && amount.signum() < 0) {
      throw new InvalidConfigurationException(
          at + ": " + amount.toPlainString() + " (expected: >= 0)");
    }
  }

  private static String quoted(@Nullable String value) {
    return value == null ? "missing" : "'" + value + "'";
  }
}
