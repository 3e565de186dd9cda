package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sends a request to one of a model's deployments and, while nothing has reached the client yet, to
 * others: a connect error, 429 or 5xx is retried on the same deployment after a jittered back-off
 * (at least the upstream's {@code Retry-After}), then the next deployment by weight, then each
 * fallback model in order. Deployments whose circuit is open are skipped. Once the first event (or
 * the whole response) has arrived, the {@link Listener} learns which deployment serves, and a later
 * failure is the client's to see: it is never retried. Other 4xx answers are the request's fault
 * and go back to the client as they are.
 */
public final class Router {

  /** The response header naming the model that served the request (a fallback model's id). */
  public static final String MODEL_HEADER = "x-gateway-model";

  /** The response header naming the provider that served the request. */
  public static final String PROVIDER_HEADER = "x-gateway-provider";

  /** Told which deployment serves a request, before its first event goes on to the client. */
  @FunctionalInterface
  public interface Listener {
    void serving(Deployment deployment);
  }

  private final ModelCatalog catalog;
  private final RoutingSettings settings;
  private final RoutingMetrics metrics;
  private final Supplier<RandomGenerator> random;

  public Router(ModelCatalog catalog, RoutingSettings settings, MeterRegistry registry) {
    this(catalog, settings, registry, ThreadLocalRandom::current);
  }

  /** With a source of randomness of the caller's choice (a seeded one in tests). */
  public Router(
      ModelCatalog catalog,
      RoutingSettings settings,
      MeterRegistry registry,
      Supplier<RandomGenerator> random) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.metrics = new RoutingMetrics(Objects.requireNonNull(registry, "registry"), catalog);
    this.random = Objects.requireNonNull(random, "random");
  }

  /** Streams a completion of {@code route}'s model from whichever deployment serves it. */
  public Flux<UpstreamEvent> stream(ModelRoute route, ChatCall call, Listener listener) {
    return stream(route, call, ProviderAdapter::stream, listener);
  }

  /**
   * Streams a completion, each attempt sent by {@code send} with the deployment's adapter and the
   * call addressed to the deployment's upstream model: a client dialect may choose per deployment
   * how to talk to it (an adapter's native capability, else the chat-completions call).
   */
  public Flux<UpstreamEvent> stream(
      ModelRoute route,
      ChatCall call,
      BiFunction<ProviderAdapter, ChatCall, Flux<UpstreamEvent>> send,
      Listener listener) {
    Objects.requireNonNull(send, "send");
    return run(route, d -> send.apply(d.adapter(), forDeployment(call, d)), listener);
  }

  /** A whole completion of {@code route}'s model from whichever deployment serves it. */
  public Mono<UpstreamResponse> complete(ModelRoute route, ChatCall call, Listener listener) {
    return complete(route, call, ProviderAdapter::complete, listener);
  }

  /** A whole completion, each attempt sent by {@code send}, as {@link #stream} sends them. */
  public Mono<UpstreamResponse> complete(
      ModelRoute route,
      ChatCall call,
      BiFunction<ProviderAdapter, ChatCall, Mono<UpstreamResponse>> send,
      Listener listener) {
    Objects.requireNonNull(send, "send");
    return Mono.from(
        run(route, d -> send.apply(d.adapter(), forDeployment(call, d)).flux(), listener));
  }

  private <T> Flux<T> run(ModelRoute route, Function<Deployment, Flux<T>> send, Listener listener) {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(listener, "listener");
    return Flux.defer(
        () ->
            attempt(
                new RoutePlan(route, catalog, settings, metrics, random.get()), send, listener));
  }

  private <T> Flux<T> attempt(
      RoutePlan plan, Function<Deployment, Flux<T>> send, Listener listener) {
    Deployment d = plan.acquire();
    if (d == null) {
      metrics.exhausted(plan.modelId());
      return Flux.error(plan.exhausted());
    }
    metrics.attempt(d);
    Attempt attempt = new Attempt();
    return send.apply(d)
        .doOnNext(
            item -> {
              if (!attempt.started) { // items of one attempt arrive one at a time
                attempt.started = true;
                d.breaker().onSuccess();
                listener.serving(d);
              }
            })
        .onErrorResume(
            failure -> {
              attempt.ended = true;
              if (attempt.started) { // part of the answer reached the client: not retried
                d.breaker().onFailure();
                metrics.failure(d);
                return Flux.error(failure);
              }
              if (!retryable(failure)) {
                d.breaker().release();
                return Flux.error(failure);
              }
              d.breaker().onFailure();
              metrics.failure(d);
              Duration wait = plan.failed(failure);
              Flux<T> next = Flux.defer(() -> attempt(plan, send, listener));
              return wait.isZero() ? next : Mono.delay(wait).thenMany(next);
            })
        .doOnCancel(
            () -> {
              if (!attempt.started && !attempt.ended) {
                d.breaker().release(); // the client left before the deployment answered
              }
            });
  }

  /** Per attempt; written and read on the attempt's own (serialized) signals. */
  private static final class Attempt {
    volatile boolean started;
    volatile boolean ended;
  }

  /** Connect errors, timeouts, 429 and 5xx may go better elsewhere; other answers would not. */
  static boolean retryable(Throwable failure) {
    if (!(failure instanceof UpstreamException u)) {
      return false;
    }
    return u.status() == 429 || u.status() >= 500;
  }

  private static ChatCall forDeployment(ChatCall call, Deployment d) {
    return call.upstreamModel().equals(d.upstreamModel())
        ? call
        : new ChatCall(call.requestId(), call.body(), d.upstreamModel(), call.includeUsage());
  }
}
