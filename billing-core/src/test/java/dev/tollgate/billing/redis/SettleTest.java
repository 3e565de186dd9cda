package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.ledger.SettledCharge;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class SettleTest extends RedisTestSupport {

  private static final Instant SETTLED_AT = Instant.ofEpochMilli(1_700_000_001_234L);

  @Test
  void settlingTwiceIsANoOp() {
    String acct = id("acct");
    load(acct, 10_000, 0);
    reserve(acct, "r1", 1_000);
    StepVerifier.create(store.settle(charge(acct, "r1", 700), SETTLED_AT))
        .expectNext(new Settlement(true, 700, 0, 700))
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.settle(charge(acct, "r1", 700), SETTLED_AT))
        .expectNext(new Settlement(false, 0, 0, 0))
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(account(acct)).isEqualTo(new AccountState(9_300, 0, 0, 0, "active"));
    List<SettledCharge> outbox = outbox(acct);
    assertThat(outbox).hasSize(1);
    SettledCharge entry = outbox.get(0);
    assertThat(entry)
        .isEqualTo(
            new SettledCharge(
                entry.streamId(),
                "r1",
                acct,
                "key-1",
                "mini",
                "mock",
                "completed",
                "reported",
                120,
                80,
                20,
                10,
                30,
                10,
                700,
                700,
                0,
                700,
                0,
                "v1",
                200_000,
                50_000,
                1_700_000_000_000L,
                150,
                900,
                SETTLED_AT.toEpochMilli(),
                null));
    assertThat(sync.exists(keys.hold(acct, "r1"))).isZero();
    assertThat(sync.zscore(keys.holds(keys.bucketOf(acct)), "r1")).isNull();
  }

  @Test
  void allowanceIsConsumedBeforeBalance() {
    String acct = id("acct");
    load(acct, 1_000, 300);
    reserve(acct, "r1", 500);
    StepVerifier.create(store.settle(charge(acct, "r1", 400), SETTLED_AT))
        .expectNext(new Settlement(true, 400, 300, 100))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct)).isEqualTo(new AccountState(900, 0, 0, 0, "active"));
    assertThat(outbox(acct).get(0))
        .extracting(SettledCharge::fromAllowance, SettledCharge::fromBalance)
        .containsExactly(300L, 100L);
  }

  @Test
  void costAboveTheHoldIsChargedFromFreeFunds() {
    String acct = id("acct");
    load(acct, 1_000, 0);
    reserve(acct, "r1", 100);
    reserve(acct, "other", 600);
    // Free beyond both holds: 1,000 - 700 = 300; this request may take its hold plus that.
    StepVerifier.create(store.settle(charge(acct, "r1", 250), SETTLED_AT))
        .expectNext(new Settlement(true, 250, 0, 250))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct)).isEqualTo(new AccountState(750, 0, 600, 0, "active"));
  }

  @Test
  void chargeIsCappedAndTheRestRecordedUncollected() {
    String acct = id("acct");
    load(acct, 80, 20);
    reserve(acct, "r1", 100);
    StepVerifier.create(store.settle(charge(acct, "r1", 250), SETTLED_AT))
        .expectNext(new Settlement(true, 100, 20, 80))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct)).isEqualTo(new AccountState(0, 0, 0, 0, "active"));
    SettledCharge entry = outbox(acct).get(0);
    assertThat(entry.cost()).isEqualTo(250);
    assertThat(entry.charged()).isEqualTo(100);
    assertThat(entry.uncollected()).isEqualTo(150);
  }

  @Test
  void refundBelowWhatIsHeldNeverTakesTheBalanceNegative() {
    String acct = id("acct");
    load(acct, 100, 0);
    reserve(acct, "r1", 100);
    assertThat(await(store.credit(acct, id("refund"), -80))).isTrue();
    StepVerifier.create(store.settle(charge(acct, "r1", 100), SETTLED_AT))
        .expectNext(new Settlement(true, 20, 0, 20))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct)).isEqualTo(new AccountState(0, 0, 0, 0, "active"));
    assertThat(outbox(acct).get(0).uncollected()).isEqualTo(80);
  }

  @Test
  void settlingWithoutAHoldWritesNothing() {
    String acct = id("acct");
    load(acct, 1_000, 0);
    StepVerifier.create(store.settle(charge(acct, "never-reserved", 10), SETTLED_AT))
        .expectNext(new Settlement(false, 0, 0, 0))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).balance()).isEqualTo(1_000);
    assertThat(outbox(acct)).isEmpty();
  }
}
