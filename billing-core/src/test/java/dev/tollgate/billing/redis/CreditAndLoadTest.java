package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class CreditAndLoadTest extends RedisTestSupport {

  @Test
  void creditIsAppliedOncePerId() {
    String acct = id("acct");
    load(acct, 1_000, 0);
    String creditId = id("topup");
    StepVerifier.create(store.credit(acct, creditId, 5_000))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.credit(acct, creditId, 5_000))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).balance()).isEqualTo(6_000);
    assertThat(sync.ttl(keys.credit(acct, creditId))).isPositive();

    StepVerifier.create(store.credit(acct, id("refund"), -2_500))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).balance()).isEqualTo(3_500);
  }

  @Test
  void creditToAnAccountNotInRedisIsLeftToTheLoad() {
    String acct = id("acct");
    String creditId = id("topup");
    StepVerifier.create(store.credit(acct, creditId, 5_000))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(sync.exists(keys.account(acct))).as("no partial account hash").isZero();

    // PostgreSQL committed the credit before it reached Redis: the loaded balance includes it,
    // and applying it again after the load must not count it twice.
    load(acct, 5_000, 0);
    StepVerifier.create(store.credit(acct, creditId, 5_000))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(account(acct).balance()).isEqualTo(5_000);
  }

  @Test
  void loadAccountNeverOverwrites() {
    String acct = id("acct");
    StepVerifier.create(store.loadAccount(acct, 1_000, 200, 100_000, "active"))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    reserve(acct, "r1", 300);
    StepVerifier.create(store.loadAccount(acct, 99_999, 0, 0, "suspended"))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.account(acct))
        .expectNext(new AccountState(1_000, 200, 300, 100_000, "active"))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void loadingSeedsEachKeysSpendSoThatItsCapHolds() {
    String acct = id("acct");
    StepVerifier.create(
            store.loadAccount(acct, 10_000, 0, 0, "active", Map.of("key-1", 700L, "key-2", 50L)))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.keySpent(acct, "key-1"))
        .expectNext(700L)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.keySpent(acct, "key-2"))
        .expectNext(50L)
        .expectComplete()
        .verify(TIMEOUT);
    // A cap of 1 000 leaves 300 to key-1: 301 is refused, 300 is held.
    Instant far = Instant.now().plusSeconds(600);
    StepVerifier.create(store.reserve(acct, id("r"), 301, far, "key-1", "mini", "p", 1_000L))
        .assertNext(r -> assertThat(r.outcome()).isEqualTo(Reservation.Outcome.SPEND_CAP_REACHED))
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.reserve(acct, id("r"), 300, far, "key-1", "mini", "p", 1_000L))
        .assertNext(r -> assertThat(r.outcome()).isEqualTo(Reservation.Outcome.GRANTED))
        .expectComplete()
        .verify(TIMEOUT);
  }
}
