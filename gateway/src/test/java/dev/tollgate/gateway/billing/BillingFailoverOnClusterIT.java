package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.billing.BillingTraffic.Outcome;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.LocalRedisCluster;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The master that serves the account's bucket is killed (SIGKILL) while billing traffic runs, on a
 * cluster of three masters with a replica each: the replica takes over, the gateway follows it, and
 * afterwards every answered request is charged exactly once in Redis and PostgreSQL (no hold left,
 * no outbox entry lost). Measures how long the account's requests failed (docs/operations.md, "What
 * a failover costs").
 *
 * <p>Redis replicates asynchronously: a write the dead master answered but had not yet sent to its
 * replica is lost, and the money check would fail. On loopback the master writes its replies and
 * the replication stream in the same pass of its event loop, so that window is a few microseconds;
 * a failure here that shows one charge missing is that, not a gateway bug (the log has the counts).
 */
@ExtendWith(LocalRedisCluster.CloseOwnAfterClass.class)
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=10"})
@DirtiesContext
class BillingFailoverOnClusterIT extends BillingTestSupport {

  private static final Logger log = LoggerFactory.getLogger(BillingFailoverOnClusterIT.class);

  static final String ACCOUNT = "acct-failover-cluster-" + TestServices.REDIS_PREFIX;
  static final long INITIAL = 10_000_000_000L; // 10.00 in nano-units

  /** Redis's own timeout for declaring a master failed, as LocalRedisCluster starts its nodes. */
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

  /** Its own cluster, started when the context is built (not when the class is loaded). */
  static LocalRedisCluster cluster() {
    return LocalRedisCluster.own(BillingFailoverOnClusterIT.class, 1);
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
    BillingTraffic.holdProperties(registry);
    // Set with the local Redis's URL: the cluster wins, as in Spring Boot.
    registry.add("spring.data.redis.cluster.nodes", () -> cluster().nodes());
  }

  @Autowired BillingKeys keys;
  @Autowired RedisConnections redis;

  @Test
  void theGatewayFollowsTheReplicaThatTakesOverAKilledMasterAndTheMoneyAddsUp() throws Exception {
    assertThat(redis.cluster()).isTrue();
    LocalRedisCluster cluster = cluster();
    int slot = SlotHash.getSlot(keys.account(ACCOUNT));
    int master = cluster.portOfSlot(slot);
    int replica = cluster.replicaOf(master);

    BillingTraffic traffic = BillingTraffic.start(port, 8);
    List<Outcome> outcomes;
    long killed;
    long promoted;
    try {
      traffic.awaitAnswers(Outcome::ok, 50, Duration.ofSeconds(30), "200 before the kill");
      killed = System.nanoTime();
      cluster.kill(master);
      promoted = awaitPromoted(replica, slot, killed);
      long afterPromotion = promoted;
      traffic.awaitAnswers(
          o -> o.ok() && o.sentNanos() > afterPromotion,
          100,
          Duration.ofSeconds(30),
          "200 sent after the replica took over");
    } finally {
      outcomes = traffic.stop();
    }

    List<Outcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
    long ok = outcomes.size() - failed.size();
    Map<String, Long> failures =
        failed.stream()
            .collect(
                Collectors.groupingBy(o -> o.status() + " " + o.code(), Collectors.counting()));
    long lastFailure = failed.stream().mapToLong(Outcome::answeredNanos).max().orElse(killed);
    long recovered =
        outcomes.stream()
            .filter(o -> o.ok() && o.sentNanos() >= lastFailure)
            .mapToLong(Outcome::answeredNanos)
            .min()
            .orElseThrow();
    log.info(
        "failover: {} requests, {} answered 200, failures {}; master {} killed, replica {} master"
            + " after {} ms; failures from {} ms to {} ms after the kill; first 200 after them"
            + " at {} ms",
        outcomes.size(),
        ok,
        failures,
        master,
        replica,
        millis(promoted - killed),
        millis(failed.stream().mapToLong(Outcome::answeredNanos).min().orElse(killed) - killed),
        millis(lastFailure - killed),
        millis(recovered - killed));

    // Only the account's slot was away: its requests were refused as the docs say, nothing else.
    assertThat(failures.keySet()).allMatch(f -> f.equals("503 billing_unavailable"));
    assertThat(failed).allMatch(o -> o.answeredNanos() >= killed);
    // Followed through the adaptive refresh, well before the periodic one (30 s).
    assertThat(Duration.ofNanos(recovered - promoted)).isLessThan(Duration.ofSeconds(10));

    // Every 200 charged once (streams cut by the kill are settled by the settle's retries), every
    // refused request not at all; every charge in PostgreSQL.
    long reaped = BillingTraffic.assertEachOkChargedOnce(this, redis, keys, ACCOUNT, INITIAL, ok);
    log.info(
        "failover: {} holds of refused requests ended by the reaper, charging nothing", reaped);
  }

  /** Waits until the replica is a master serving {@code slot}; when it was seen so. */
  private long awaitPromoted(int replica, int slot, long killed) throws InterruptedException {
    long deadline = killed + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (cluster().cli(replica, "ROLE").startsWith("master")
          && cluster().portOfSlotSeenBy(replica, slot) == replica) {
        return System.nanoTime();
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "replica "
            + replica
            + " did not take over slot "
            + slot
            + " within 30 s (node timeout "
            + NODE_TIMEOUT
            + "; logs in "
            + cluster().dir()
            + ")");
  }

  static long millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }
}
