package dev.tollgate.gateway.billing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The settlements on their way to Redis: a request settles asynchronously as it ends, so on
 * shutdown billing waits for those in flight ({@link #idle}) before its last flush, or the charges
 * of the streams ended last would miss it. The releases of holds whose reserve went unanswered
 * ({@link RedisBilling}) are counted here too.
 */
public final class Settlements {

  private static final Duration POLL = Duration.ofMillis(10);

  private final AtomicInteger inFlight = new AtomicInteger();

  /** Subscribes to {@code settle}, counted until it ends. */
  <T> void run(Mono<T> settle, Consumer<Throwable> onError) {
    inFlight.incrementAndGet();
    settle.doFinally(signal -> inFlight.decrementAndGet()).subscribe(done -> {}, onError);
  }

  /** How many settlements have not answered yet. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Completes once no settlement is in flight, or after {@code max}. */
  public Mono<Void> idle(Duration max) {
    return Flux.interval(Duration.ZERO, POLL)
        .filter(tick -> inFlight.get() == 0)
        .next()
        .then()
        .timeout(max, Mono.empty());
  }
}
