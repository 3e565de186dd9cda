package dev.tollgate.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedKeyThrottleTest {

  static final InetSocketAddress ALICE = new InetSocketAddress("10.0.0.1", 40000);
  static final InetSocketAddress ALICE_OTHER_PORT = new InetSocketAddress("10.0.0.1", 40001);
  static final InetSocketAddress BOB = new InetSocketAddress("10.0.0.2", 40000);

  final AtomicLong now = new AtomicLong(1_000_000_000L);

  FailedKeyThrottle throttle(int freeAttempts, int maxClients) {
    return new FailedKeyThrottle(
        new FailedKeyProperties(
            freeAttempts,
            Duration.ofMillis(100),
            Duration.ofMillis(800),
            Duration.ofMinutes(10),
            maxClients),
        now::get);
  }

  @Test
  void refusalsPastTheFreeAttemptsAreDelayedMoreAndMoreUpToTheCap() {
    FailedKeyThrottle throttle = throttle(3, 100);
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.recordFailure(ALICE)).isZero();
    }
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(100));
    assertThat(throttle.recordFailure(ALICE_OTHER_PORT)).isEqualTo(Duration.ofMillis(200));
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(400));
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(800));
    for (int i = 0; i < 100; i++) {
      assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(800));
    }
    // Another client is not affected.
    assertThat(throttle.recordFailure(BOB)).isZero();
  }

  @Test
  void failuresAreForgottenAfterTwoWindows() {
    FailedKeyThrottle throttle = throttle(2, 100);
    throttle.recordFailure(ALICE);
    throttle.recordFailure(ALICE);
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(100));
    now.addAndGet(Duration.ofMinutes(11).toNanos());
    // The previous window still counts: three before, this one makes four.
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(200));
    now.addAndGet(Duration.ofMinutes(10).toNanos());
    // Now only this window's own failures count.
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(0));
    now.addAndGet(Duration.ofMinutes(25).toNanos());
    assertThat(throttle.recordFailure(ALICE)).isZero();
  }

  @Test
  void pastMaxClientsNewClientsAreNotTrackedAndNothingGrows() {
    FailedKeyThrottle throttle = throttle(0, 1);
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(100));
    assertThat(throttle.recordFailure(BOB)).isZero();
    assertThat(throttle.recordFailure(BOB)).isZero();
    assertThat(throttle.recordFailure(ALICE)).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void anUnknownAddressIsNeverDelayed() {
    FailedKeyThrottle throttle = throttle(0, 10);
    assertThat(throttle.recordFailure(null)).isZero();
    assertThat(throttle.recordFailure(InetSocketAddress.createUnresolved("x", 1))).isZero();
  }

  @Test
  void badSettingsNameTheProperty() {
    assertThatThrownBy(
            () ->
                new FailedKeyProperties(
                    -1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMinutes(1), 1))
        .hasMessage("gateway.auth.failed-keys.free-attempts: -1 (expected: >= 0)");
    assertThatThrownBy(
            () ->
                new FailedKeyProperties(
                    1, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(1), 1))
        .hasMessage("gateway.auth.failed-keys.max-delay: PT1S (expected: >= delay PT2S)");
    assertThatThrownBy(
            () ->
                new FailedKeyProperties(
                    1, Duration.ZERO, Duration.ofSeconds(1), Duration.ofMinutes(1), 1))
        .hasMessage("gateway.auth.failed-keys.delay: PT0S (expected: > 0)");
  }
}
