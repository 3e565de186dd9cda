package dev.tollgate.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.route.CircuitBreaker.State;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final CircuitBreaker breaker =
      new CircuitBreaker(new CircuitBreaker.Settings(3, Duration.ofSeconds(10), 2), now::get);

  @Test
  void opensAfterTheThresholdOfConsecutiveFailures() {
    breaker.onFailure();
    breaker.onFailure();
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.tryAcquire()).isTrue();

    breaker.onFailure();

    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.available()).isFalse();
    assertThat(breaker.tryAcquire()).isFalse();
  }

  @Test
  void aSuccessInBetweenStartsTheCountAgain() {
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();

    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void halfOpensAfterTheOpenDurationAndLetsOnlyTheProbesThrough() {
    open();
    now.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
    assertThat(breaker.tryAcquire()).isFalse();

    now.incrementAndGet();

    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).as("a third probe at once").isFalse();
    assertThat(breaker.available()).isFalse();
  }

  @Test
  void aReleasedProbeFreesItsSlot() {
    open();
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).isTrue();

    breaker.release();

    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
  }

  @Test
  void aProbeThatSucceedsClosesTheCircuit() {
    open();
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(breaker.tryAcquire()).isTrue();

    breaker.onSuccess();

    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.tryAcquire()).isTrue();
  }

  @Test
  void aProbeThatFailsOpensTheCircuitForAnotherFullDuration() {
    open();
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(breaker.tryAcquire()).isTrue();

    breaker.onFailure();

    assertThat(breaker.state()).isEqualTo(State.OPEN);
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(breaker.tryAcquire()).isFalse();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(breaker.tryAcquire()).isTrue();
  }

  @Test
  void concurrentFailuresAndProbesKeepTheCountsExact() throws Exception {
    CircuitBreaker shared =
        new CircuitBreaker(new CircuitBreaker.Settings(4_000, Duration.ofSeconds(1), 1), now::get);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 999; i++) {
                  shared.onFailure();
                }
              });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(shared.state()).as("3 996 of 4 000 failures").isEqualTo(State.CLOSED);

    for (int i = 0; i < 4; i++) {
      shared.onFailure();
    }
    assertThat(shared.state()).isEqualTo(State.OPEN);
  }

  @Test
  void settingsNameTheBadValue() {
    assertThatThrownBy(() -> new CircuitBreaker.Settings(0, Duration.ofSeconds(1), 1))
        .hasMessage("failureThreshold: 0 (expected: > 0)");
    assertThatThrownBy(() -> new CircuitBreaker.Settings(1, Duration.ZERO, 1))
        .hasMessage("openDuration: PT0S (expected: > 0)");
    assertThatThrownBy(() -> new CircuitBreaker.Settings(1, Duration.ofSeconds(1), 0))
        .hasMessage("halfOpenProbes: 0 (expected: > 0)");
  }

  private void open() {
    for (int i = 0; i < 3; i++) {
      breaker.onFailure();
    }
    assertThat(breaker.state()).isEqualTo(State.OPEN);
  }
}
