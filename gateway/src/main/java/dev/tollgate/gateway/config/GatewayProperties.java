package dev.tollgate.gateway.config;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Everything under {@code gateway.*}. These names are user-facing API: keep them. Checked at
 * start-up by {@code route.RoutingConfiguration}; a bad value stops start-up with a message naming
 * it.
 *
 * @param providers upstream providers by name
 * @param models the models clients may ask for
 * @param devKeys API keys accepted for development and tests (until accounts exist); when empty,
 *     one random key is generated and printed at start-up
 * @param maxRequestSize the largest request body accepted
 * @param upstream default upstream timeouts, for providers that set none
 * @param routing retries, back-off and circuit breaking across a model's deployments
 */
@ConfigurationProperties("gateway")
public record GatewayProperties(
    @DefaultValue Map<String, Provider> providers,
    @DefaultValue List<Model> models,
    @DefaultValue List<String> devKeys,
    @DefaultValue("10MB") DataSize maxRequestSize,
    @DefaultValue Upstream upstream,
    @DefaultValue Routing routing) {

  /**
   * One upstream provider.
   *
   * @param type which adapter serves it ({@code openai}, {@code mock}, ...)
   * @param baseUrl the API base URL, e.g. {@code https://api.openai.com/v1}
   * @param apiKey the upstream credential
   * @param connectTimeout overrides {@code gateway.upstream.connect-timeout}
   * @param firstByteTimeout overrides {@code gateway.upstream.first-byte-timeout}
   * @param idleTimeout overrides {@code gateway.upstream.idle-timeout}
   * @param maxConnections overrides {@code gateway.upstream.max-connections}
   * @param options adapter-specific settings
   */
  public record Provider(
      @Nullable String type,
      @Nullable URI baseUrl,
      @DefaultValue("") String apiKey,
      @Nullable Duration connectTimeout,
      @Nullable Duration firstByteTimeout,
      @Nullable Duration idleTimeout,
      @Nullable Integer maxConnections,
      @DefaultValue Map<String, String> options) {}

  /**
   * One model clients may ask for.
   *
   * @param id the name clients use
   * @param provider the provider that serves it: the short form of one deployment
   * @param upstreamModel the name the provider knows; the id when absent
   * @param deployments where the model is served, picked by weight (instead of {@code provider})
   * @param fallbacks other models to try, in order, when no deployment of this one serves
   * @param price per million tokens, in the account currency
   * @param markup added to the price: {@code 0.2} charges the price plus 20 %
   * @param mock the mock provider's settings for this model ({@code ttft-ms}, {@code
   *     inter-token-ms}, {@code tokens})
   * @param contextLength the model's context window in tokens, shown by {@code GET /v1/models};
   *     informational only
   */
  public record Model(
      @Nullable String id,
      @Nullable String provider,
      @Nullable String upstreamModel,
      @Nullable Price price,
      @Nullable BigDecimal markup,
      @DefaultValue Map<String, String> mock,
      @DefaultValue List<Deployment> deployments,
      @DefaultValue List<String> fallbacks,
      @Nullable Integer contextLength) {}

  /**
   * One place a model is served.
   *
   * @param provider the provider that serves it
   * @param upstreamModel the name the provider knows; the model's id when absent
   * @param weight its share of the model's traffic, relative to the other deployments
   */
  public record Deployment(
      @Nullable String provider, @Nullable String upstreamModel, @DefaultValue("1") int weight) {}

  /**
   * How a request is retried and failed over before anything reached the client.
   *
   * @param maxAttempts tries on one deployment, the first included, before the next deployment
   * @param backoff the wait between two tries on one deployment
   * @param circuitBreaker when a deployment is skipped for failing
   */
  public record Routing(
      @DefaultValue("2") int maxAttempts,
      @DefaultValue Backoff backoff,
      @DefaultValue CircuitBreaker circuitBreaker) {}

  /**
   * Jittered exponential back-off.
   *
   * @param base the wait before the first retry, doubled for each next one
   * @param max the longest wait; an upstream {@code Retry-After} longer than this moves on to the
   *     next deployment at once
   */
  public record Backoff(@DefaultValue("100ms") Duration base, @DefaultValue("2s") Duration max) {}

  /**
   * Each deployment's circuit breaker.
   *
   * @param failureThreshold consecutive failures that open the circuit
   * @param openDuration how long an open circuit skips the deployment before probing it
   * @param halfOpenProbes how many requests may probe a half-open circuit at once
   */
  public record CircuitBreaker(
      @DefaultValue("5") int failureThreshold,
      @DefaultValue("30s") Duration openDuration,
      @DefaultValue("1") int halfOpenProbes) {}

  /**
   * Prices per million tokens (and per request), decimal, in the account currency.
   *
   * @param input prompt tokens
   * @param cachedInput prompt tokens served from the provider's cache
   * @param output completion tokens
   * @param reasoning reasoning tokens; the output price when absent
   * @param cacheWrite input tokens written to the provider's prompt cache for five minutes; 1.25
   *     times the input price when absent (Anthropic's charge)
   * @param cacheWrite1h input tokens written to the prompt cache for one hour; twice the input
   *     price when absent (Anthropic's charge)
   * @param request a fixed price per request
   */
  public record Price(
      @Nullable BigDecimal input,
      @Nullable BigDecimal cachedInput,
      @Nullable BigDecimal output,
      @Nullable BigDecimal reasoning,
      @Nullable BigDecimal cacheWrite,
      @Nullable BigDecimal cacheWrite1h,
      @Nullable BigDecimal request) {}

  /**
   * Defaults for every provider (each may override them).
   *
   * @param connectTimeout to open a connection
   * @param firstByteTimeout from sending a request to the first event (or a whole non-streamed
   *     body)
   * @param idleTimeout the longest gap between two events of a stream
   * @param maxConnections the size of each provider's connection pool (streams in flight to one
   *     provider per instance; more wait for a connection)
   */
  public record Upstream(
      @DefaultValue("10s") Duration connectTimeout,
      @DefaultValue("300s") Duration firstByteTimeout,
      @DefaultValue("120s") Duration idleTimeout,
      @DefaultValue("1000") int maxConnections) {}
}
