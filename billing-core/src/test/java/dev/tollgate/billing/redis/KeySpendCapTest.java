package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** A key's spend cap, checked atomically by reserve against what settle charged and holds hold. */
class KeySpendCapTest extends RedisTestSupport {

  private static final Instant SETTLED = Instant.ofEpochMilli(42);

  private static Reservation capped(String acct, String requestId, long amount, long cap) {
    return await(store.reserve(acct, requestId, amount, FAR_FUTURE, "key-1", "mini", "mock", cap));
  }

  @Test
  void reserveRefusesWhenSpentPlusHeldPlusAmountPassesTheCap() {
    String acct = id("acct");
    load(acct, 1_000_000, 0);

    assertThat(capped(acct, "r1", 400, 1_000))
        .isEqualTo(new Reservation(Reservation.Outcome.GRANTED, 1_000_000 - 400, 400));
    // 400 held: 700 more would pass the cap of 1 000; nothing is written.
    assertThat(capped(acct, "r2", 700, 1_000))
        .isEqualTo(new Reservation(Reservation.Outcome.SPEND_CAP_REACHED, 600));
    assertThat(account(acct).held()).isEqualTo(400);

    // Settled at 300: the key has spent 300 and holds nothing.
    assertThat(await(store.settle(charge(acct, "r1", 300), SETTLED)).settled()).isTrue();
    assertThat(await(store.keySpent(acct, "key-1"))).isEqualTo(300);
    assertThat(capped(acct, "r2", 700, 1_000).granted()).isTrue();
    assertThat(capped(acct, "r3", 1, 1_000).outcome())
        .isEqualTo(Reservation.Outcome.SPEND_CAP_REACHED);

    // Another key of the same account is not affected; a key without a cap is still counted.
    assertThat(
            await(store.reserve(acct, "r4", 5_000, FAR_FUTURE, "key-2", "mini", "mock", null))
                .granted())
        .isTrue();
    assertThat(await(store.settle(charge(acct, "r2", 700), SETTLED)).settled()).isTrue();
    assertThat(await(store.keySpent(acct, "key-1"))).isEqualTo(1_000);
  }

  @Test
  void anExtensionCountsAsHeldForTheKey() {
    String acct = id("acct");
    load(acct, 1_000_000, 0);
    assertThat(capped(acct, "r1", 400, 1_000).granted()).isTrue();
    assertThat(await(store.extend(acct, "r1", 500, FAR_FUTURE, 1, 1, 0, 0, 1)).granted()).isTrue();
    // 900 held for the key now.
    assertThat(capped(acct, "r2", 101, 1_000).outcome())
        .isEqualTo(Reservation.Outcome.SPEND_CAP_REACHED);
    assertThat(capped(acct, "r2", 100, 1_000).granted()).isTrue();
  }

  @Test
  void concurrentReservationsNeverPassTheCap() {
    String acct = id("acct");
    load(acct, 1_000_000_000, 0);
    List<Reservation> replies =
        Flux.range(0, 100)
            .flatMap(
                i ->
                    store.reserve(
                        acct, "req-" + i, 1_000, FAR_FUTURE, "key-1", "mini", "mock", 25_500L),
                100)
            .collectList()
            .block(TIMEOUT);
    assertThat(replies).filteredOn(Reservation::granted).hasSize(25);
    assertThat(account(acct).held()).isEqualTo(25_000);
  }
}
