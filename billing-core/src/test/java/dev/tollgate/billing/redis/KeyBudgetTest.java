package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A key's budget per period, checked and counted by reserve in the same atomic step as the hold,
 * grown by extend, corrected to the charge by settle, started from zero by a new period.
 */
class KeyBudgetTest extends RedisTestSupport {

  private static final Instant SETTLED = Instant.ofEpochMilli(42);
  private static final Instant DAY_1 = Instant.parse("2026-12-01T00:00:00Z");
  private static final Instant DAY_2 = Instant.parse("2026-12-02T00:00:00Z");

  private static Reservation budgeted(
      String acct, String requestId, long amount, long budget, Instant period) {
    return await(
        store.reserve(
            acct, requestId, amount, FAR_FUTURE, "key-1", "mini", "mock", null, budget, period));
  }

  @Test
  void reserveRefusesPastTheBudgetAndSettleCountsTheChargeInsteadOfTheHold() {
    String acct = id("acct");
    load(acct, 1_000_000, 0);

    assertThat(budgeted(acct, "r1", 400, 1_000, DAY_1).granted()).isTrue();
    assertThat(budgeted(acct, "r2", 700, 1_000, DAY_1))
        .isEqualTo(new Reservation(Reservation.Outcome.BUDGET_EXCEEDED, 600));
    assertThat(account(acct).held()).as("a refusal writes nothing").isEqualTo(400);
    assertThat(await(store.budgetUsed(acct, "key-1", DAY_1))).isEqualTo(400);

    // Charged 100 of its hold of 400: the budget counts 100.
    assertThat(await(store.settle(charge(acct, "r1", 100), SETTLED)).settled()).isTrue();
    assertThat(await(store.budgetUsed(acct, "key-1", DAY_1))).isEqualTo(100);
    assertThat(budgeted(acct, "r2", 900, 1_000, DAY_1).granted()).isTrue();
    assertThat(budgeted(acct, "r3", 1, 1_000, DAY_1).outcome())
        .isEqualTo(Reservation.Outcome.BUDGET_EXCEEDED);

    // The next day starts from zero; r2, admitted the day before, counts only there.
    assertThat(budgeted(acct, "r4", 1_000, 1_000, DAY_2).granted()).isTrue();
    assertThat(await(store.settle(charge(acct, "r2", 900), SETTLED)).settled()).isTrue();
    assertThat(await(store.budgetUsed(acct, "key-1", DAY_2))).isEqualTo(1_000);
    assertThat(budgeted(acct, "r5", 1, 1_000, DAY_2).outcome())
        .isEqualTo(Reservation.Outcome.BUDGET_EXCEEDED);

    // Another key of the account has a budget of its own.
    assertThat(
            await(
                    store.reserve(
                        acct,
                        "r6",
                        1_000,
                        FAR_FUTURE,
                        "key-2",
                        "mini",
                        "mock",
                        null,
                        1_000L,
                        DAY_2))
                .granted())
        .isTrue();
  }

  @Test
  void anExtensionCountsAgainstTheBudgetAndIsRefusedPastIt() {
    String acct = id("acct");
    load(acct, 1_000_000, 0);
    assertThat(budgeted(acct, "r1", 400, 1_000, DAY_1).granted()).isTrue();
    assertThat(await(store.extend(acct, "r1", 500, FAR_FUTURE, 1, 1, 0, 0, 1)).granted()).isTrue();
    assertThat(await(store.budgetUsed(acct, "key-1", DAY_1))).isEqualTo(900);
    Extension refused = await(store.extend(acct, "r1", 101, FAR_FUTURE, 1, 2, 0, 0, 2));
    assertThat(refused.granted()).isFalse();
    assertThat(account(acct).held()).as("a refused extension holds nothing more").isEqualTo(900);
    assertThat(budgeted(acct, "r2", 101, 1_000, DAY_1).outcome())
        .isEqualTo(Reservation.Outcome.BUDGET_EXCEEDED);
    assertThat(budgeted(acct, "r2", 100, 1_000, DAY_1).granted()).isTrue();
  }

  @Test
  void concurrentReservationsNeverPassTheBudget() {
    String acct = id("acct");
    load(acct, 1_000_000_000, 0);
    List<Reservation> replies =
        Flux.range(0, 100)
            .flatMap(
                i ->
                    store.reserve(
                        acct,
                        "req-" + i,
                        1_000,
                        FAR_FUTURE,
                        "key-1",
                        "mini",
                        "mock",
                        null,
                        25_500L,
                        DAY_1),
                100)
            .collectList()
            .block(TIMEOUT);
    assertThat(replies).filteredOn(Reservation::granted).hasSize(25);
    assertThat(replies)
        .filteredOn(r -> !r.granted())
        .allMatch(r -> r.outcome() == Reservation.Outcome.BUDGET_EXCEEDED);
    assertThat(account(acct).held()).isEqualTo(25_000);
    assertThat(await(store.budgetUsed(acct, "key-1", DAY_1))).isEqualTo(25_000);
  }
}
