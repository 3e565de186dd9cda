package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.billing.redis.Charge;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.billing.redis.Reservation;
import dev.tollgate.billing.redis.Settlement;
import dev.tollgate.gateway.support.LocalRedisCluster;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * Regression (issue 11): during a slot migration a billing script whose keys are split between the
 * two masters meets {@code TRYAGAIN}; a settle that met it was not sent again and left the request
 * to the reaper. On a real cluster, with the account's hash moved and its holds not yet: the
 * refusal writes nothing (so a reserve refused throughout needs no release), and a settle is sent
 * again until the move ends.
 */
@ExtendWith(LocalRedisCluster.CloseOwnAfterClass.class)
class TryAgainOnClusterIT {

  static final String ACCOUNT = "acct-tryagain-" + TestServices.REDIS_PREFIX;
  static final long BALANCE = 1_000_000_000L;
  static final long HOLD = 1_000_000L;

  @Test
  void aScriptWhoseKeysASlotMigrationSplitsIsRefusedWritingNothingAndASettleIsSentAgain()
      throws Exception {
    LocalRedisCluster cluster = LocalRedisCluster.own(TryAgainOnClusterIT.class, 0);
    RedisClusterClient client =
        RedisClusterClient.create(
            List.of(RedisURI.create("redis://127.0.0.1:" + cluster.ports().get(0))));
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      BillingKeys keys = new BillingKeys(TestServices.REDIS_PREFIX + "-tryagain", 16);
      HoldStore holds = new HoldStore(connection.reactive(), keys);
      Duration wait = Duration.ofSeconds(10);
      assertThat(holds.loadAccount(ACCOUNT, BALANCE, 0, 0, "active").block(wait)).isTrue();
      Instant expires = Instant.now().plus(Duration.ofMinutes(10));
      assertThat(reserve(holds, "req-before", expires).block(wait).outcome())
          .isEqualTo(Reservation.Outcome.GRANTED);

      // The slot half moved: the account's hash on the target, the hold and the index not yet.
      String account = keys.account(ACCOUNT);
      int slot = SlotHash.getSlot(account);
      int source = cluster.portOfSlot(slot);
      int target = cluster.ports().stream().filter(p -> p != source).findFirst().orElseThrow();
      String s = Integer.toString(slot);
      cluster.cli(target, "CLUSTER", "SETSLOT", s, "IMPORTING", cluster.nodeId(source));
      cluster.cli(source, "CLUSTER", "SETSLOT", s, "MIGRATING", cluster.nodeId(target));
      assertThat(
              cluster
                  .cli(
                      source,
                      "MIGRATE",
                      "127.0.0.1",
                      Integer.toString(target),
                      "",
                      "0",
                      "5000",
                      "KEYS",
                      account)
                  .trim())
          .isEqualTo("OK");

      // A reserve meets TRYAGAIN on every attempt within the request, and nothing was written.
      Throwable refused =
          reserve(holds, "req-during", expires)
              .retryWhen(RedisRetries.IN_REQUEST)
              .map(r -> (Throwable) new AssertionError("reserved during the split: " + r))
              .onErrorResume(Mono::just)
              .block(wait);
      assertThat(refused).hasMessageStartingWith("TRYAGAIN");
      assertThat(RedisRetries.refusedByCluster(refused)).isTrue();

      // A settle that meets it is sent again, in the background, until the move ends.
      CompletableFuture<Settlement> settled =
          Mono.defer(() -> holds.settle(charge("req-before", 700_000L), Instant.now()))
              .retryWhen(RedisRetries.BACKGROUND)
              .toFuture();
      Thread.sleep(500);
      assertThat(settled).isNotDone();
      cluster.moveSlot(slot, target);
      assertThat(settled.get(wait.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).settled())
          .isTrue();

      AccountState state = holds.account(ACCOUNT).block(wait);
      assertThat(state.held()).as("held").isZero();
      assertThat(state.balance()).isEqualTo(BALANCE - 700_000L);
      // The refused reserve left no hold behind: a reserve now creates one afresh.
      assertThat(reserve(holds, "req-during", expires).block(wait).outcome())
          .isEqualTo(Reservation.Outcome.GRANTED);
      assertThat(holds.account(ACCOUNT).block(wait).held()).isEqualTo(HOLD);
    } finally {
      client.shutdown();
    }
  }

  private static Mono<Reservation> reserve(HoldStore holds, String requestId, Instant expires) {
    return Mono.defer(() -> holds.reserve(ACCOUNT, requestId, HOLD, expires, "key-1", "paid"));
  }

  private static Charge charge(String requestId, long cost) {
    long now = System.currentTimeMillis();
    return new Charge(
        requestId,
        ACCOUNT,
        "key-1",
        "paid",
        "local",
        RequestStatus.COMPLETED,
        UsageSource.REPORTED,
        8,
        10,
        0,
        0,
        0,
        0,
        cost,
        "v1",
        0,
        0,
        now,
        10,
        20);
  }
}
