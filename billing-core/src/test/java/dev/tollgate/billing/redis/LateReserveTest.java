package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 10): reserves queued during a Redis outage reached Redis after their hold's
 * expiry, computed before the outage; the reaper settled those holds under their running streams,
 * which were then cut off as if the balance were used up, and their tokens went unbilled.
 */
class LateReserveTest extends RedisTestSupport {

  @Test
  void aReserveThatReachesRedisLateGetsItsWholeLifetimeFromWhenItRuns() {
    String acct = id("acct");
    load(acct, 1_000_000, 0);
    // Computed 30 s ago (the request started then), for a 10 s lifetime: expired on arrival.
    Instant startedAt = Instant.now().minusSeconds(30);
    HoldStore late =
        new HoldStore(
            connection.reactive(),
            keys,
            HoldStore.DEFAULT_CREDIT_MARKER_TTL,
            Clock.fixed(startedAt, ZoneOffset.UTC));
    Instant staleExpiry = startedAt.plusSeconds(10);

    Instant before = Instant.now();
    assertThat(await(late.reserve(acct, "late", 1_000, staleExpiry, "key-1", "mini")).granted())
        .isTrue();

    long expiresAt = Long.parseLong(sync.hget(keys.hold(acct, "late"), "expires_at"));
    assertThat(expiresAt)
        .isGreaterThanOrEqualTo(before.plusSeconds(10).toEpochMilli() - 50)
        .isLessThanOrEqualTo(Instant.now().plusSeconds(10).toEpochMilli() + 50);
    assertThat(sync.zscore(keys.holds(keys.bucketOf(acct)), "late")).isEqualTo((double) expiresAt);
    assertThat(sync.hget(keys.hold(acct, "late"), "created_at"))
        .isEqualTo(Long.toString(startedAt.toEpochMilli()));
    // Nothing for the reaper now.
    assertThat(await(store.reapExpired(keys.bucketOf(acct), Instant.now(), 100))).isZero();
    assertThat(Duration.ofMillis(expiresAt - Instant.now().toEpochMilli())).isPositive();
  }
}
