package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** renew_allowance.lua and the period the account hash and its settlements carry. */
class AllowanceRenewalScriptTest extends RedisTestSupport {

  private static final Instant JANUARY = Instant.parse("2026-01-01T00:00:00.123Z");
  private static final Instant FEBRUARY = Instant.parse("2026-02-01T00:00:00.123Z");
  private static final Instant SETTLED_AT = Instant.parse("2026-01-20T00:00:00Z");

  private static void loadWithPlan(String acct, long balance, long subLeft, Instant period) {
    StepVerifier.create(store.loadAccount(acct, balance, subLeft, period, 0, "active", Map.of()))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
  }

  private static AllowanceRenewal renew(String acct, Instant period, long allowance) {
    return await(store.renewAllowance(acct, period, allowance));
  }

  @Test
  void settlementsRecordThePeriodTheirAllowanceWasDrawnFrom() {
    String acct = id("acct");
    loadWithPlan(acct, 1_000, 500, JANUARY);
    reserve(acct, "r1", 300);
    await(store.settle(charge(acct, "r1", 200), SETTLED_AT));

    assertThat(outbox(acct))
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.fromAllowance()).isEqualTo(200);
              assertThat(entry.subPeriodMs()).isEqualTo(JANUARY.toEpochMilli());
            });
    assertThat(await(store.allowancePeriod(acct))).isEqualTo(JANUARY);
  }

  @Test
  void aHashWithoutAPeriodSettlesWithoutOne() {
    String acct = id("acct");
    load(acct, 1_000, 0); // no subscription
    reserve(acct, "r1", 300);
    await(store.settle(charge(acct, "r1", 200), SETTLED_AT));

    assertThat(
            sync.xrange(keys.outbox(keys.bucketOf(acct)), io.lettuce.core.Range.create("-", "+")))
        .filteredOn(m -> acct.equals(m.getBody().get("account_id")))
        .singleElement()
        .satisfies(m -> assertThat(m.getBody()).containsEntry("sub_period", ""));
    assertThat(outbox(acct).get(0).subPeriodMs()).isNull();
    StepVerifier.create(store.allowancePeriod(acct)).expectComplete().verify(TIMEOUT);
  }

  @Test
  void renewalRefillsTheAllowanceOnceAndIsIdempotent() {
    String acct = id("acct");
    loadWithPlan(acct, 1_000, 500, JANUARY);
    reserve(acct, "r1", 400);
    await(store.settle(charge(acct, "r1", 350), SETTLED_AT)); // 350 of the 500 allowance used
    reserve(acct, "r2", 100); // a hold open across the renewal

    assertThat(renew(acct, FEBRUARY, 500)).isEqualTo(AllowanceRenewal.RENEWED);
    assertThat(account(acct))
        .as("unused allowance does not roll over; the balance and holds are untouched")
        .isEqualTo(new AccountState(1_000, 500, 100, 0, "active"));
    assertThat(await(store.allowancePeriod(acct))).isEqualTo(FEBRUARY);

    await(store.settle(charge(acct, "r2", 100), SETTLED_AT));
    assertThat(renew(acct, FEBRUARY, 500))
        .as("a repeat (or a second instance) changes nothing")
        .isEqualTo(AllowanceRenewal.ALREADY_CURRENT);
    assertThat(account(acct)).isEqualTo(new AccountState(1_000, 400, 0, 0, "active"));
    assertThat(outbox(acct).get(1).subPeriodMs()).isEqualTo(FEBRUARY.toEpochMilli());
  }

  @Test
  void anOlderRenewalArrivingLateChangesNothing() {
    String acct = id("acct");
    loadWithPlan(acct, 0, 80, FEBRUARY);

    assertThat(renew(acct, JANUARY, 500)).isEqualTo(AllowanceRenewal.ALREADY_CURRENT);
    assertThat(account(acct).subLeft()).isEqualTo(80);
    assertThat(await(store.allowancePeriod(acct))).isEqualTo(FEBRUARY);
  }

  @Test
  void aHashCachedBeforePeriodsWereRecordedIsRenewed() {
    String acct = id("acct");
    load(acct, 0, 20);

    assertThat(renew(acct, FEBRUARY, 500)).isEqualTo(AllowanceRenewal.RENEWED);
    assertThat(account(acct).subLeft()).isEqualTo(500);
    assertThat(await(store.allowancePeriod(acct))).isEqualTo(FEBRUARY);
  }

  @Test
  void anAccountNotCachedIsLeftToItsNextLoad() {
    String acct = id("acct");

    assertThat(renew(acct, FEBRUARY, 500)).isEqualTo(AllowanceRenewal.ACCOUNT_MISSING);
    assertThat(sync.exists(keys.account(acct))).as("no partial account hash").isZero();
  }
}
