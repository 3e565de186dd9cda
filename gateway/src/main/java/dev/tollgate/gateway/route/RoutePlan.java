package dev.tollgate.gateway.route;

import dev.tollgate.adapter.UpstreamException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Which deployment one request tries next: the current one again while it has tries left, then
 * another of the model's deployments picked by weight, then the fallback models' in order. Only
 * deployments that can serve the request's kind are considered (all of them for chat; those whose
 * adapter has embeddings for embeddings). One per request; used by one attempt at a time, never
 * concurrently.
 */
final class RoutePlan {

  private final String modelId;
  private final RoutingSettings settings;
  private final RoutingMetrics metrics;
  private final RandomGenerator random;
  private final Predicate<Deployment> eligible;
  private final Deque<ModelRoute> models = new ArrayDeque<>();

  private @Nullable ModelRoute model;
  private List<Deployment> remaining = List.of();
  private @Nullable Deployment current;
  private int triesOnCurrent;
  private int attempts;
  private @Nullable Throwable lastFailure;

  RoutePlan(
      ModelRoute route,
      ModelCatalog catalog,
      RoutingSettings settings,
      RoutingMetrics metrics,
      RandomGenerator random,
      Predicate<Deployment> eligible) {
    this.modelId = route.modelId();
    this.eligible = eligible;
    this.settings = settings;
    this.metrics = metrics;
    this.random = random;
    models.add(route);
    for (String id : route.fallbacks()) {
      ModelRoute fallback = catalog.find(id);
      if (fallback != null) { // checked at start-up
        models.add(fallback);
      }
    }
  }

  String modelId() {
    return modelId;
  }

  /** The deployment to try next, its circuit's permission taken; null when none is left. */
  @Nullable Deployment acquire() {
    Deployment again = current;
    if (again != null) {
      if (again.breaker().tryAcquire()) {
        triesOnCurrent++;
        attempts++;
        return again;
      }
      current = null;
    }
    while (true) {
      while (!remaining.isEmpty()) {
        int i = WeightedPicker.pick(remaining, random);
        if (i < 0) {
          remaining = List.of(); // every circuit left is open
          break;
        }
        Deployment d = remaining.remove(i);
        if (d.breaker().tryAcquire()) {
          current = d;
          triesOnCurrent = 1;
          attempts++;
          return d;
        }
      }
      ModelRoute next = models.poll();
      if (next == null) {
        return null;
      }
      List<Deployment> usable = new ArrayList<>(next.deployments());
      usable.removeIf(eligible.negate());
      if (usable.isEmpty()) {
        continue; // a fallback model that cannot serve this kind of request
      }
      if (model != null) {
        metrics.fallback(modelId, next.modelId());
      }
      model = next;
      remaining = usable;
    }
  }

  /**
   * The current deployment failed in a way worth retrying.
   *
   * @return how long to wait before the next try: a back-off before trying the same deployment
   *     again (at least its {@code Retry-After}), zero when moving on to another
   */
  Duration failed(Throwable failure) {
    lastFailure = failure;
    if (triesOnCurrent >= settings.maxAttempts()
        || (failure instanceof UpstreamException u && refusedCredential(u))) {
      current = null;
      return Duration.ZERO;
    }
    Duration retryAfter = failure instanceof UpstreamException u ? u.retryAfter() : null;
    if (retryAfter != null && retryAfter.compareTo(settings.backoffMax()) > 0) {
      current = null; // it asked for longer than we wait: another deployment may serve now
      return Duration.ZERO;
    }
    Duration wait = settings.backoff(triesOnCurrent, random);
    return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
  }

  /** The upstream answered 401 or 403: it refused the gateway's own credential. */
  static boolean refusedCredential(UpstreamException u) {
    return u.status() == 401 || u.status() == 403;
  }

  /**
   * The failure when no deployment is left. Nothing tried (every circuit open): 502. The gateway's
   * own verdict on the last try (unreachable, broken protocol: 502; timed out: 504) goes to the
   * client as it is. An upstream's error answer (429, 500, 503...) becomes a 502 that quotes it:
   * the client's request was fine, the gateway could not get it served.
   */
  UpstreamException exhausted() {
    Throwable last = lastFailure;
    if (last == null) {
      return UpstreamException.unavailable(
          "No deployment of model '" + modelId + "' is available right now; try again later.",
          null);
    }
    if (last instanceof UpstreamException u && (u.status() == 502 || u.status() == 504)) {
      return u;
    }
    if (last instanceof UpstreamException u && refusedCredential(u)) {
      // The operator's problem, not the client's: never a 401 that reads like a bad gateway key,
      // and the provider's words are not quoted (they may show part of the upstream key).
      return new UpstreamException(
          502,
          "upstream_error",
          "upstream_auth_failed",
          null,
          "The provider of model '"
              + modelId
              + "' refused the gateway's credentials (HTTP "
              + u.status()
              + "); this is the gateway's configuration, not your API key.",
          last);
    }
    String said =
        last instanceof UpstreamException u
            ? "the last answered HTTP " + u.status() + ": " + u.getMessage()
            : "the last with an unexpected error";
    return UpstreamException.unavailable(
        "Every deployment of model '"
            + modelId
            + "' failed ("
            + attempts
            + (attempts == 1 ? " attempt" : " attempts")
            + "); "
            + said,
        last);
  }
}
