package dev.tollgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.LocalRedisCluster;
import dev.tollgate.gateway.support.RedisTopology;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * On a three-master Redis Cluster, accounts whose buckets (and so outbox streams) live on every
 * master: each of their charges reaches PostgreSQL exactly once, and every outbox is drained.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.admin.master-key=" + AdminApiTest.MASTER_KEY})
@DirtiesContext
class OutboxOnClusterTest {

  static final String ACCOUNT = "acct-outbox-cluster-" + TestServices.REDIS_PREFIX;
  static final int REQUESTS_PER_ACCOUNT = 3;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT, RedisTopology.CLUSTER);
  }

  @LocalServerPort int port;
  @Autowired BillingKeys keys;
  @Autowired RedisConnections redis;

  @Test
  void chargesFromAccountsOnEveryMasterReachPostgresqlExactlyOnce() throws Exception {
    assertThat(redis.cluster()).isTrue();
    WebTestClient admin =
        AdminApiTest.client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
    LocalRedisCluster cluster = LocalRedisCluster.get();

    // Accounts get random ids: make them until two of them sit on each of the three masters.
    Map<Integer, List<String>> accountsByMaster = new HashMap<>();
    for (int i = 0; i < 100 && !twoOnEach(accountsByMaster, cluster.ports().size()); i++) {
      String account = post(admin, "/admin/accounts", "{\"name\":\"c\",\"owner\":\"o\"}");
      int slot = SlotHash.getSlot(keys.outbox(keys.bucketOf(account)));
      accountsByMaster
          .computeIfAbsent(cluster.portOfSlot(slot), p -> new ArrayList<>())
          .add(account);
    }
    assertThat(accountsByMaster.keySet()).containsExactlyInAnyOrderElementsOf(cluster.ports());

    List<String> accounts = accountsByMaster.values().stream().flatMap(List::stream).toList();
    for (String account : accounts) {
      admin
          .post()
          .uri("/admin/accounts/" + account + "/credits")
          .contentType(MediaType.APPLICATION_JSON)
          .bodyValue("{\"amount\":\"1\",\"reference\":\"r-" + account + "\",\"type\":\"credit\"}")
          .exchange()
          .expectStatus()
          .isCreated();
      String key =
          AdminApiTest.json(
                  admin
                      .post()
                      .uri("/admin/accounts/" + account + "/keys")
                      .contentType(MediaType.APPLICATION_JSON)
                      .bodyValue("{}")
                      .exchange()
                      .expectStatus()
                      .isCreated())
              .path("key")
              .asString();
      for (int i = 0; i < REQUESTS_PER_ACCOUNT; i++) {
        AdminApiTest.chat(port, key, 200);
      }
    }

    TreeSet<Integer> buckets = new TreeSet<>();
    for (String account : accounts) {
      BillingTestSupport.awaitFlushed(account, REQUESTS_PER_ACCOUNT);
      buckets.add(keys.bucketOf(account));
      long charged =
          BillingTestSupport.queryLong(
              "SELECT sum(charged_nanos) FROM usage_events WHERE account_id = ?", account);
      assertThat(charged).isEqualTo(REQUESTS_PER_ACCOUNT * BillingTestSupport.cost(8, 10));
      assertThat(
              BillingTestSupport.queryLong(
                  "SELECT count(*) FROM usage_events WHERE account_id = ?", account))
          .as("usage events of %s", account)
          .isEqualTo(REQUESTS_PER_ACCOUNT);
      assertThat(BillingTestSupport.pgBalance(account)).isEqualTo(1_000_000_000L - charged);
    }
    for (int bucket : buckets) {
      assertThat(redis.sync().xlen(keys.outbox(bucket))).as("outbox of bucket %d", bucket).isZero();
    }
  }

  private static boolean twoOnEach(Map<Integer, List<String>> byMaster, int masters) {
    return byMaster.size() == masters && byMaster.values().stream().allMatch(l -> l.size() >= 2);
  }

  private static String post(WebTestClient admin, String uri, String body) {
    return AdminApiTest.json(
            admin
                .post()
                .uri(uri)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isCreated())
        .path("id")
        .asString();
  }
}
