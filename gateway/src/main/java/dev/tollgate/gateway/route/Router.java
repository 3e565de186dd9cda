package dev.tollgate.gateway.route;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
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
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

  private static final Logger log = LoggerFactory.getLogger(Router.class);

  /** The response header naming the model that served the request (a fallback model's id). */
  public static final String MODEL_HEADER = "x-gateway-model";

  /** The response header naming the provider that served the request. */
  public static final String PROVIDER_HEADER = "x-gateway-provider";

  /** Chat requests: every deployment can serve them. */
  private static final Predicate<Deployment> ANY = d -> true;

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
    return run(route, ANY, d -> send.apply(d.adapter(), forDeployment(call, d)), listener);
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
        run(route, ANY, d -> send.apply(d.adapter(), forDeployment(call, d)).flux(), listener));
  }

  /**
   * Embeddings of {@code route}'s model from whichever of its deployments (then its fallback
   * models' deployments) has embeddings; the others are skipped. Retries and fail-over as for a
   * completion.
   */
  public Mono<EmbeddingsResponse> embed(ModelRoute route, EmbeddingsCall call, Listener listener) {
    Objects.requireNonNull(call, "call");
    return Mono.from(
        run(
            route,
            Router::hasEmbeddings,
            d ->
                ((EmbeddingsCapable) d.adapter())
                    .embed(
                        call.upstreamModel().equals(d.upstreamModel())
                            ? call
                            : new EmbeddingsCall(call.requestId(), call.body(), d.upstreamModel()))
                    .flux(),
            listener));
  }

  /** Whether a deployment's adapter serves embeddings. */
  public static boolean hasEmbeddings(Deployment deployment) {
    return deployment.adapter() instanceof EmbeddingsCapable;
  }

  private <T> Flux<T> run(
      ModelRoute route,
      Predicate<Deployment> eligible,
      Function<Deployment, Flux<T>> send,
      Listener listener) {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(listener, "listener");
    return Flux.defer(
        () ->
            attempt(
                new RoutePlan(route, catalog, settings, metrics, random.get(), eligible),
                send,
                listener));
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
              if (failure instanceof UpstreamException u && RoutePlan.refusedCredential(u)) {
                log.warn(
                    "Provider {} refused the gateway's credential (HTTP {}) for model {}: check"
                        + " its api-key",
                    d.provider(),
                    u.status(),
                    d.modelId());
              }
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

  /**
   * Connect errors, timeouts, 429 and 5xx may go better elsewhere, and so may a 401 or 403: the
   * provider refusing the gateway's own credential, which another deployment may not share. Other
   * answers are about the client's request and would not go better anywhere.
   */
  static boolean retryable(Throwable failure) {
    if (!(failure instanceof UpstreamException u)) {
      return false;
    }
    return u.status() == 429 || u.status() >= 500 || RoutePlan.refusedCredential(u);
  }

  private static ChatCall forDeployment(ChatCall call, Deployment d) {
    return call.upstreamModel().equals(d.upstreamModel())
        ? call
        : new ChatCall(call.requestId(), call.body(), d.upstreamModel(), call.includeUsage());
  }
}
