package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.ledger.SettledCharge;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class ExtendAndReaperTest extends RedisTestSupport {

  @Test
  void extendGrowsTheHoldWhenFundsAllow() {
    String acct = id("acct");
    load(acct, 1_000, 0);
    reserve(acct, "r1", 400);
    Instant later = FAR_FUTURE.plusSeconds(60);
    StepVerifier.create(store.extend(acct, "r1", 500, later, 10, 20, 3, 4, 350))
        .expectNext(new Extension(true, false, 900))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).held()).isEqualTo(900);
    Map<String, String> hold = sync.hgetall(keys.hold(acct, "r1"));
    assertThat(hold)
        .containsEntry("amount", "900")
        .containsEntry("prompt", "10")
        .containsEntry("completion", "20")
        .containsEntry("cached", "3")
        .containsEntry("reasoning", "4")
        .containsEntry("checkpoint_cost", "350")
        .containsEntry("expires_at", Long.toString(later.toEpochMilli()));
    assertThat(sync.zscore(keys.holds(keys.bucketOf(acct)), "r1"))
        .isEqualTo((double) later.toEpochMilli());
  }

  @Test
  void refusedExtendStillCheckpoints() {
    String acct = id("acct");
    load(acct, 1_000, 0);
    reserve(acct, "r1", 800);
    Instant later = FAR_FUTURE.plusSeconds(120);
    StepVerifier.create(store.extend(acct, "r1", 500, later, 100, 200, 0, 0, 790))
        .expectNext(new Extension(false, false, 200))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).held()).isEqualTo(800);
    Map<String, String> hold = sync.hgetall(keys.hold(acct, "r1"));
    assertThat(hold)
        .containsEntry("amount", "800")
        .containsEntry("completion", "200")
        .containsEntry("checkpoint_cost", "790")
        .containsEntry("expires_at", Long.toString(later.toEpochMilli()));
  }

  @Test
  void extendOfAMissingHoldWritesNothing() {
    String acct = id("acct");
    load(acct, 1_000, 0);
    StepVerifier.create(store.extend(acct, "gone", 10, FAR_FUTURE, 1, 1, 0, 0, 1))
        .expectNext(new Extension(false, true, 0))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(sync.exists(keys.hold(acct, "gone"))).isZero();
    assertThat(sync.zscore(keys.holds(keys.bucketOf(acct)), "gone")).isNull();
  }

  @Test
  void reaperSettlesAnExpiredHoldAtItsLastCheckpoint() {
    // An account of its own bucket's choice; the other tests' holds expire in 2100.
    String acct = id("acct");
    int bucket = keys.bucketOf(acct);
    load(acct, 10_000, 500);
    Instant expired = Instant.now().minusSeconds(5);
    StepVerifier.create(
            store
                .reserve(acct, "dead", 2_000, expired, "key-7", "big", "openai")
                .then(store.reserve(acct, "alive", 1_000, FAR_FUTURE, "key-7", "big", "openai")))
        .expectNextMatches(Reservation::granted)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.extend(acct, "dead", 0, expired, 300, 150, 100, 50, 1_234))
        .expectNext(new Extension(true, false, 2_000))
        .expectComplete()
        .verify(TIMEOUT);

    Instant now = Instant.now();
    StepVerifier.create(store.reapExpired(bucket, now, 100))
        .expectNext(1)
        .expectComplete()
        .verify(TIMEOUT);
    // Nothing left to reap; the live hold is untouched.
    StepVerifier.create(store.reapExpired(bucket, now, 100))
        .expectNext(0)
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(sync.exists(keys.hold(acct, "dead"))).isZero();
    assertThat(sync.zscore(keys.holds(bucket), "dead")).isNull();
    assertThat(sync.exists(keys.hold(acct, "alive"))).isOne();
    assertThat(account(acct)).isEqualTo(new AccountState(9_266, 0, 1_000, 0, "active"));

    SettledCharge entry = outbox(acct).get(0);
    assertThat(entry.requestId()).isEqualTo("dead");
    assertThat(entry.status()).isEqualTo("abandoned");
    assertThat(entry.source()).isEqualTo("partial");
    assertThat(entry.provider()).isEqualTo("openai");
    assertThat(entry.keyId()).isEqualTo("key-7");
    assertThat(entry.model()).isEqualTo("big");
    assertThat(entry)
        .extracting(
            SettledCharge::promptTokens,
            SettledCharge::completionTokens,
            SettledCharge::cachedTokens,
            SettledCharge::reasoningTokens,
            SettledCharge::cost,
            SettledCharge::charged,
            SettledCharge::fromAllowance,
            SettledCharge::fromBalance,
            SettledCharge::settledAtMs)
        .containsExactly(300L, 150L, 100L, 50L, 1_234L, 1_234L, 500L, 734L, now.toEpochMilli());
    assertThat(entry.ttftMs()).isEqualTo(-1);
    assertThat(entry.durationMs()).isNotNegative();
  }

  @Test
  void reaperDropsAStrayIndexEntry() {
    String acct = id("acct");
    int bucket = keys.bucketOf(acct);
    sync.zadd(keys.holds(bucket), 1, "stray");
    StepVerifier.create(store.reapExpired(bucket, Instant.ofEpochMilli(2), 100))
        .expectNext(0)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(sync.zscore(keys.holds(bucket), "stray")).isNull();
  }
}
