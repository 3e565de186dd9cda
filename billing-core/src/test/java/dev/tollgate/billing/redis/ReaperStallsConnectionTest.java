package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression (issue 10): with a handful of expired holds in one bucket the reaper never settled
 * them, and every other command on the shared connection waited behind it. The reaper settled holds
 * from inside the {@code ZRANGEBYSCORE} reply; Lettuce then stopped reading the connection. Here,
 * before the fix, 2 to 8 holds were reaped and 20 or more stalled the connection for good (the
 * gateway under load stalled from 5 on).
 */
class ReaperStallsConnectionTest extends RedisTestSupport {

  @ParameterizedTest
  @ValueSource(ints = {2, 5, 6, 8, 20, 50, 500})
  void reaperSettlesManyExpiredHoldsOfOneBucketWhileOtherCommandsGoOn(int expiredHolds)
      throws Exception {
    String acct = id("acct");
    int bucket = keys.bucketOf(acct);
    load(acct, 1_000_000, 0);
    Instant expired = Instant.now().minusSeconds(5);
    for (int i = 0; i < expiredHolds; i++) {
      String requestId = acct + "-dead-" + i;
      await(store.reserve(acct, requestId, 1_000, expired, "key-1", "mini"));
      await(store.extend(acct, requestId, 0, expired, 10, 5, 0, 0, 100));
    }

    long started = System.nanoTime();
    CompletableFuture<Integer> pass = store.reapExpired(bucket, Instant.now(), 500).toFuture();
    // An unrelated command on the same connection, during the pass.
    String pong =
        connection.reactive().ping().toFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    Duration pingTook = Duration.ofNanos(System.nanoTime() - started);
    int reaped = pass.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    assertThat(pong).isEqualTo("PONG");
    assertThat(pingTook).isLessThan(Duration.ofSeconds(2));
    assertThat(reaped).isEqualTo(expiredHolds);
    assertThat(account(acct).held()).isZero();
    assertThat(account(acct).balance()).isEqualTo(1_000_000 - 100L * expiredHolds);
    assertThat(outbox(acct)).hasSize(expiredHolds);
  }
}
