package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ProviderAdapter;
import java.util.Objects;

/**
 * One place a model is served: a provider, the model name it knows, a share of the traffic, and the
 * circuit breaker that tracks its health. Compared by identity: two deployments with the same
 * settings are still two.
 */
public final class Deployment {

  private final String modelId;
  private final String provider;
  private final String upstreamModel;
  private final ProviderAdapter adapter;
  private final int weight;
  private final CircuitBreaker breaker;

  /**
   * @param modelId the model (the name clients use) this deployment serves
   * @param provider the provider's configured name
   * @param upstreamModel the name the provider knows
   * @param weight the share of the model's traffic, relative to its other deployments
   */
  public Deployment(
      String modelId,
      String provider,
      String upstreamModel,
      ProviderAdapter adapter,
      int weight,
      CircuitBreaker breaker) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    this.provider = Objects.requireNonNull(provider, "provider");
    this.upstreamModel = Objects.requireNonNull(upstreamModel, "upstreamModel");
    this.adapter = Objects.requireNonNull(adapter, "adapter");
    this.breaker = Objects.requireNonNull(breaker, "breaker");
    if (weight < 1) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
    this.weight = weight;
  }

  public String modelId() {
    return modelId;
  }

  public String provider() {
    return provider;
  }

  public String upstreamModel() {
    return upstreamModel;
  }

  public ProviderAdapter adapter() {
    return adapter;
  }

  public int weight() {
    return weight;
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /** The same deployment talking through another adapter (tests wrap adapters to observe them). */
  public Deployment withAdapter(ProviderAdapter other) {
    return new Deployment(modelId, provider, upstreamModel, other, weight, breaker);
  }

  @Override
  public String toString() {
    return modelId + "@" + provider + "/" + upstreamModel;
  }
}
