package dev.tollgate.gateway.route;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The health of one deployment: closed (requests go through), open after {@code failureThreshold}
 * consecutive failures (requests skip the deployment), half-open once {@code openDuration} has
 * passed (up to {@code halfOpenProbes} requests go through as probes; a success closes the circuit,
 * a failure opens it again).
 *
 * <p>Lock-free: one immutable state swapped with compare-and-set, so the request path never waits
 * on another request's bookkeeping.
 */
public final class CircuitBreaker {

  /** The circuit's state; the ordinal is the value of the state gauge. */
  public enum State {
    CLOSED,
    HALF_OPEN,
    OPEN
  }

  /**
   * @param failureThreshold consecutive failures that open the circuit
   * @param openDuration how long an open circuit refuses before it lets probes through
   * @param halfOpenProbes how many requests may probe a half-open circuit at once
   */
  public record Settings(int failureThreshold, Duration openDuration, int halfOpenProbes) {

    public Settings {
      Objects.requireNonNull(openDuration, "openDuration");
      if (failureThreshold < 1) {
        throw new IllegalArgumentException(
            "failureThreshold: " + failureThreshold + " (expected: > 0)");
      }
      if (openDuration.isNegative() || openDuration.isZero()) {
        throw new IllegalArgumentException("openDuration: " + openDuration + " (expected: > 0)");
      }
      if (halfOpenProbes < 1) {
        throw new IllegalArgumentException(
            "halfOpenProbes: " + halfOpenProbes + " (expected: > 0)");
      }
    }

    public static Settings defaults() {
      return new Settings(5, Duration.ofSeconds(30), 1);
    }
  }

  private record Snapshot(State state, int failures, long openedAtNanos, int probes) {}

  private static final Snapshot CLOSED = new Snapshot(State.CLOSED, 0, 0, 0);

  private final Settings settings;
  private final long openNanos;
  private final LongSupplier clock;
  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(CLOSED);

  public CircuitBreaker(Settings settings) {
    this(settings, System::nanoTime);
  }

  /** With a clock of nanoseconds, for tests. */
  public CircuitBreaker(Settings settings, LongSupplier clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.openNanos = settings.openDuration().toNanos();
  }

  /** The state now; an open circuit whose duration has passed reads as half-open. */
  public State state() {
    Snapshot s = snapshot.get();
    if (s.state() == State.OPEN && clock.getAsLong() - s.openedAtNanos() >= openNanos) {
      return State.HALF_OPEN;
    }
    return s.state();
  }

  /** Whether a request would be let through now; takes nothing (see {@link #tryAcquire}). */
  public boolean available() {
    Snapshot s = snapshot.get();
    return switch (s.state()) {
      case CLOSED -> true;
      case HALF_OPEN -> s.probes() < settings.halfOpenProbes();
      case OPEN -> clock.getAsLong() - s.openedAtNanos() >= openNanos;
    };
  }

  /**
   * Asks to send one request. On a half-open circuit this takes a probe slot, which {@link
   * #onSuccess}, {@link #onFailure} or {@link #release} gives back.
   *
   * @return false when the circuit refuses: skip this deployment
   */
  public boolean tryAcquire() {
    while (true) {
      Snapshot s = snapshot.get();
      Snapshot next;
      switch (s.state()) {
        case CLOSED -> {
          return true;
        }
        case OPEN -> {
          if (clock.getAsLong() - s.openedAtNanos() < openNanos) {
            return false;
          }
          next = new Snapshot(State.HALF_OPEN, s.failures(), s.openedAtNanos(), 1);
        }
        case HALF_OPEN -> {
          if (s.probes() >= settings.halfOpenProbes()) {
            return false;
          }
          next = new Snapshot(State.HALF_OPEN, s.failures(), s.openedAtNanos(), s.probes() + 1);
        }
        default -> throw new IllegalStateException(s.state().name());
      }
      if (snapshot.compareAndSet(s, next)) {
        return true;
      }
    }
  }

  /** The deployment answered: the circuit closes and the failure count starts again. */
  public void onSuccess() {
    Snapshot s = snapshot.get();
    if (s != CLOSED) {
      snapshot.set(CLOSED); // any success proves the deployment serves again
    }
  }

  /** The deployment failed (unreachable, 429, 5xx, broken stream). */
  public void onFailure() {
    while (true) {
      Snapshot s = snapshot.get();
      Snapshot next =
          switch (s.state()) {
            case CLOSED ->
                s.failures() + 1 >= settings.failureThreshold()
                    ? new Snapshot(State.OPEN, s.failures() + 1, clock.getAsLong(), 0)
                    : new Snapshot(State.CLOSED, s.failures() + 1, 0, 0);
            case HALF_OPEN -> new Snapshot(State.OPEN, s.failures() + 1, clock.getAsLong(), 0);
            case OPEN -> s; // a request that started before the circuit opened
          };
      if (next == s || snapshot.compareAndSet(s, next)) {
        return;
      }
    }
  }

  /** A request ended without telling anything about health (client error, cancel). */
  public void release() {
    while (true) {
      Snapshot s = snapshot.get();
      if (s.state() != State.HALF_OPEN || s.probes() == 0) {
        return;
      }
      Snapshot next =
          new Snapshot(State.HALF_OPEN, s.failures(), s.openedAtNanos(), s.probes() - 1);
      if (snapshot.compareAndSet(s, next)) {
        return;
      }
    }
  }
}
