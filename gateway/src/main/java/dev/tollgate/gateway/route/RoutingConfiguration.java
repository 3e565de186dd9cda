package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.GatewayProperties.Price;
import dev.tollgate.gateway.config.GatewayProperties.Provider;
import dev.tollgate.gateway.config.InvalidConfigurationException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Checks the routing part of {@code gateway.*} (providers, models, prices, {@code
 * gateway.routing.*}) at start-up and builds the routing table from it. Every bad value stops
 * start-up with an {@link InvalidConfigurationException} that names it.
 */
@Configuration(proxyBeanMethods = false)
public class RoutingConfiguration {

  @Bean
  TokenEstimator tokenEstimator() {
    return TokenEstimator.shared();
  }

  @Bean
  ProviderRegistry providerRegistry() {
    return new ProviderRegistry();
  }

  @Bean
  ModelCatalog modelCatalog(
      GatewayProperties properties, ProviderRegistry registry, RoutingSettings routing) {
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

    List<ModelRoute> routes =
        new ModelRoutes(providers, registry, routing.circuitBreaker()).build(properties.models());
    for (int i = 0; i < properties.models().size(); i++) {
      checkPrice("gateway.models[" + i + "].price", properties.models().get(i).price());
    }
    return new ModelCatalog(routes);
  }

  /** {@code gateway.routing.*}, checked. */
  @Bean
  RoutingSettings routingSettings(GatewayProperties properties) {
    GatewayProperties.Routing r = properties.routing();
    String at = "gateway.routing.";
    if (r.maxAttempts() < 1 || r.maxAttempts() > 10) {
      throw new InvalidConfigurationException(
          at + "max-attempts: " + r.maxAttempts() + " (expected: 1 to 10)");
    }
    Duration base = r.backoff().base();
    Duration max = r.backoff().max();
    if (base.isNegative()) {
      throw new InvalidConfigurationException(at + "backoff.base: " + base + " (expected: >= 0)");
    }
    if (max.compareTo(base) < 0) {
      throw new InvalidConfigurationException(
          at + "backoff.max: " + max + " (expected: >= backoff.base, " + base + ")");
    }
    GatewayProperties.CircuitBreaker cb = r.circuitBreaker();
    if (cb.failureThreshold() < 1) {
      throw new InvalidConfigurationException(
          at + "circuit-breaker.failure-threshold: " + cb.failureThreshold() + " (expected: > 0)");
    }
    if (cb.openDuration().isNegative() || cb.openDuration().isZero()) {
      throw new InvalidConfigurationException(
          at + "circuit-breaker.open-duration: " + cb.openDuration() + " (expected: > 0)");
    }
    if (cb.halfOpenProbes() < 1) {
      throw new InvalidConfigurationException(
          at + "circuit-breaker.half-open-probes: " + cb.halfOpenProbes() + " (expected: > 0)");
    }
    return new RoutingSettings(
        r.maxAttempts(),
        base,
        max,
        new CircuitBreaker.Settings(cb.failureThreshold(), cb.openDuration(), cb.halfOpenProbes()));
  }

  /** Routing across deployments; its meters go to the application's registry when there is one. */
  @Bean
  Router router(
      ModelCatalog catalog, RoutingSettings settings, ObjectProvider<MeterRegistry> registry) {
    return new Router(catalog, settings, registry.getIfAvailable(SimpleMeterRegistry::new));
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
          p.maxConnections() != null ? p.maxConnections() : defaults.maxConnections(),
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
    checkAmount(at + ".cache-write", price.cacheWrite());
    checkAmount(at + ".cache-write-1h", price.cacheWrite1h());
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
