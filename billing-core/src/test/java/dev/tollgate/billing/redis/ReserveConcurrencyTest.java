package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.ledger.SettledCharge;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class ReserveConcurrencyTest extends RedisTestSupport {

  private static final long AMOUNT = 1_000_003;

  @Test
  void twoHundredConcurrentReservationsNeverOverspend() {
    String acct = id("acct");
    // Funded for exactly 50 holds: 30 from the balance, 20 from the allowance.
    long initialBalance = 30 * AMOUNT;
    long initialAllowance = 20 * AMOUNT;
    load(acct, initialBalance, initialAllowance);

    List<Reply> replies =
        Flux.range(0, 200)
            .flatMap(
                i ->
                    store
                        .reserve(acct, "req-" + i, AMOUNT, FAR_FUTURE, "key-1", "mini", "mock")
                        .map(r -> new Reply("req-" + i, r)),
                200)
            .collectList()
            .block(TIMEOUT);
    assertThat(replies).hasSize(200);

    List<String> granted =
        replies.stream().filter(r -> r.reservation.granted()).map(r -> r.requestId).toList();
    assertThat(granted).hasSize(50);
    assertThat(replies)
        .filteredOn(r -> r.reservation.outcome() == Reservation.Outcome.INSUFFICIENT)
        .hasSize(150)
        .allSatisfy(r -> assertThat(r.reservation.available()).isLessThan(AMOUNT));
    assertThat(account(acct).held()).isEqualTo(50 * AMOUNT);
    assertThat(account(acct).available()).isZero();

    // Settle every granted hold with its own cost, at most the hold.
    Map<String, Long> costs =
        granted.stream()
            .collect(
                Collectors.toMap(
                    Function.identity(), r -> (Long.parseLong(r.substring(4)) * 7_919) % AMOUNT));
    List<Settlement> settlements =
        Flux.fromIterable(granted)
            .flatMap(r -> store.settle(charge(acct, r, costs.get(r)), Instant.ofEpochMilli(42)), 50)
            .collectList()
            .block(TIMEOUT);

    assertThat(settlements).hasSize(50).allSatisfy(s -> assertThat(s.settled()).isTrue());
    long charged = settlements.stream().mapToLong(Settlement::charged).sum();
    assertThat(charged).isEqualTo(costs.values().stream().mapToLong(Long::longValue).sum());
    AccountState after = account(acct);
    assertThat(after.balance()).isNotNegative();
    assertThat(after.subLeft()).isNotNegative();
    assertThat(after.held()).isZero();
    assertThat(charged)
        .isEqualTo(initialBalance + initialAllowance - after.balance() - after.subLeft());

    List<SettledCharge> outbox = outbox(acct);
    assertThat(outbox).hasSize(50);
    assertThat(outbox.stream().map(SettledCharge::requestId))
        .containsExactlyInAnyOrderElementsOf(granted);
    long fromAllowance = 0;
    for (SettledCharge entry : outbox) {
      assertThat(entry.cost()).isEqualTo(costs.get(entry.requestId()));
      assertThat(entry.charged()).isEqualTo(entry.cost());
      assertThat(entry.uncollected()).isZero();
      assertThat(entry.fromAllowance() + entry.fromBalance()).isEqualTo(entry.charged());
      assertThat(entry.status()).isEqualTo("completed");
      assertThat(entry.source()).isEqualTo("reported");
      assertThat(entry.provider()).isEqualTo("mock");
      assertThat(entry.settledAtMs()).isEqualTo(42);
      fromAllowance += entry.fromAllowance();
    }
    assertThat(fromAllowance).isEqualTo(initialAllowance - after.subLeft());
  }

  @Test
  void retriedReserveGrantsTheExistingHoldOnce() {
    String acct = id("acct");
    load(acct, 10 * AMOUNT, 0);
    assertThat(reserve(acct, "same", AMOUNT).granted()).isTrue();
    StepVerifier.create(store.reserve(acct, "same", 3 * AMOUNT, FAR_FUTURE, "key-1", "mini"))
        .assertNext(
            r -> {
              assertThat(r.outcome()).isEqualTo(Reservation.Outcome.GRANTED);
              assertThat(r.holdAmount()).isEqualTo(AMOUNT);
              assertThat(r.available()).isEqualTo(9 * AMOUNT);
            })
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).held()).isEqualTo(AMOUNT);
  }

  @Test
  void missingAndSuspendedAccountsAreRefused() {
    String missing = id("acct");
    StepVerifier.create(store.reserve(missing, "r", 1, FAR_FUTURE, "key-1", "mini"))
        .expectNext(new Reservation(Reservation.Outcome.ACCOUNT_MISSING, 0))
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.account(missing)).expectComplete().verify(TIMEOUT);

    String suspended = id("acct");
    StepVerifier.create(store.loadAccount(suspended, 1_000, 0, 0, "suspended"))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.reserve(suspended, "r", 1, FAR_FUTURE, "key-1", "mini"))
        .expectNext(new Reservation(Reservation.Outcome.ACCOUNT_INACTIVE, 0))
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(suspended).held()).isZero();
  }

  private record Reply(String requestId, Reservation reservation) {}
}
