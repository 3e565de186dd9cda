package dev.tollgate.gateway.route;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Routing's meters: each deployment's circuit state, attempts and failures (registered once, at
 * start-up, so the request path only increments), fallbacks and exhausted requests per model.
 */
final class RoutingMetrics {

  static final String CIRCUIT_STATE = "tollgate.deployment.circuit.state";
  static final String ATTEMPTS = "tollgate.deployment.attempts";
  static final String FAILURES = "tollgate.deployment.failures";
  static final String FALLBACKS = "tollgate.routing.fallbacks";
  static final String EXHAUSTED = "tollgate.routing.exhausted";

  private record Meters(Counter attempts, Counter failures) {}

  private final MeterRegistry registry;
  private final Map<Deployment, Meters> meters = new IdentityHashMap<>();

  RoutingMetrics(MeterRegistry registry, ModelCatalog catalog) {
    this.registry = registry;
    for (ModelRoute route : catalog.all()) {
      for (Deployment d : route.deployments()) {
        Tags tags =
            Tags.of("model", d.modelId(), "provider", d.provider(), "upstream", d.upstreamModel());
        CircuitBreaker breaker = d.breaker();
        Gauge.builder(CIRCUIT_STATE, breaker, b -> b.state().ordinal())
            .description("0 closed, 1 half-open, 2 open")
            .tags(tags)
            .register(registry);
        meters.put(
            d,
            new Meters(
                Counter.builder(ATTEMPTS)
                    .description("requests sent to the deployment")
                    .tags(tags)
                    .register(registry),
                Counter.builder(FAILURES)
                    .description("connect errors, 429, 5xx and broken streams")
                    .tags(tags)
                    .register(registry)));
      }
    }
  }

  void attempt(Deployment d) {
    Meters m = meters.get(d);
    if (m != null) {
      m.attempts().increment();
    }
  }

  void failure(Deployment d) {
    Meters m = meters.get(d);
    if (m != null) {
      m.failures().increment();
    }
  }

  void fallback(String model, String fallback) {
    registry.counter(FALLBACKS, "model", model, "fallback", fallback).increment();
  }

  void exhausted(String model) {
    registry.counter(EXHAUSTED, "model", model).increment();
  }
}
