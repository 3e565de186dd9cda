package dev.tollgate.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.ApiKeys;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.TcpProxy;
import dev.tollgate.gateway.support.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Regression (issue 10): once a stored key's cache entry expired during a PostgreSQL outage, its
 * requests got 503 {@code auth_unavailable}, although billing goes on in Redis meanwhile. Known
 * keys are now served from their last good entry; a key revoked meanwhile is refused; a key never
 * seen gets 503, not 401. PostgreSQL is reached through a TCP proxy that the test cuts.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.admin.master-key=" + StoredKeysDuringPostgresOutageTest.MASTER_KEY,
      "gateway.auth.key-cache.ttl=500ms"
    })
class StoredKeysDuringPostgresOutageTest {

  static final String MASTER_KEY = "admin-master-key-outage-0123456789";
  static final String ACCOUNT = "acct-keys-outage-" + TestServices.REDIS_PREFIX;
  static final String PREFIX = TestServices.REDIS_PREFIX + "-keys-outage";
  static final String CHAT =
      "{\"model\":\"paid\",\"max_tokens\":10,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final TcpProxy POSTGRES =
      new TcpProxy(
          TestServices.PG_HOST_PORT.split(":")[0],
          Integer.parseInt(TestServices.PG_HOST_PORT.split(":")[1]));

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT, PREFIX);
    registry.add(
        "spring.r2dbc.url",
        () -> "r2dbc:postgresql://127.0.0.1:" + POSTGRES.port() + "/" + TestServices.database());
  }

  @AfterAll
  static void closeProxy() {
    POSTGRES.close();
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;
  @Autowired RedisConnections redis;

  @Test
  void storedKeysAreServedAndBilledPastTheirCacheEntryWhilePostgresIsDown() throws Exception {
    WebTestClient admin =
        client().mutate().defaultHeader("Authorization", "Bearer " + MASTER_KEY).build();
    String account =
        json(admin
                .post()
                .uri("/admin/accounts")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"outage\",\"owner\":\"o\"}")
                .exchange()
                .expectStatus()
                .isCreated())
            .path("id")
            .asString();
    admin
        .post()
        .uri("/admin/accounts/" + account + "/credits")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"amount\":\"1\",\"reference\":\"r-" + account + "\",\"type\":\"credit\"}")
        .exchange()
        .expectStatus()
        .isCreated();
    String served = newKey(admin, account);
    String revoked = newKey(admin, account);
    assertThat(chat(served)).isEqualTo(200);
    assertThat(chat(revoked)).isEqualTo(200);
    long balanceBefore = holds.account(account).block(Duration.ofSeconds(5)).balance();

    POSTGRES.cut();
    Thread.sleep(800); // past the entries' 500 ms TTL

    // A known key: served from its last good entry, and billed in Redis.
    for (int i = 0; i < 3; i++) {
      assertThat(chat(served)).as("request %s with a known key", i).isEqualTo(200);
    }
    assertThat(holds.account(account).block(Duration.ofSeconds(5)).balance())
        .isLessThan(balanceBefore);

    // Revoked meanwhile by an instance that could still reach PostgreSQL: refused here.
    revokeInPostgres(ApiKeys.hash(revoked));
    redis.sync().publish(PREFIX + ":keys:revoked", ApiKeys.hash(revoked));
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    int status = chat(revoked);
    while (status != 401 && System.nanoTime() < deadline) {
      Thread.sleep(20);
      status = chat(revoked);
    }
    assertThat(status).as("a key revoked during the outage").isEqualTo(401);
    Thread.sleep(800); // past the revocation's own entry: still refused
    assertThat(chat(revoked)).as("a key revoked during the outage, later").isEqualTo(401);

    // Never seen: it cannot be checked, so 503 (retry), not 401 (a bad key).
    JsonNode unknown =
        json(
            client()
                .post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer sk-gw-never-seen-0123456789abcdef0123456789")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(CHAT)
                .exchange()
                .expectStatus()
                .isEqualTo(503));
    assertThat(unknown.path("error").path("code").asString()).isEqualTo("auth_unavailable");

    POSTGRES.restore();
    BillingTestSupport.awaitFlushed(account, 5);
    assertThat(chat(served)).isEqualTo(200);
    assertThat(chat(revoked)).isEqualTo(401);
  }

  private WebTestClient client() {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .build();
  }

  private String newKey(WebTestClient admin, String account) {
    return json(admin
            .post()
            .uri("/admin/accounts/" + account + "/keys")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue("{}")
            .exchange()
            .expectStatus()
            .isCreated())
        .path("key")
        .asString();
  }

  private int chat(String key) {
    return client()
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(CHAT)
        .exchange()
        .returnResult(byte[].class)
        .getStatus()
        .value();
  }

  /** What the admin API of an instance that reaches PostgreSQL commits (the test's direct line). */
  private static void revokeInPostgres(String hash) throws SQLException {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s =
            c.prepareStatement("UPDATE api_keys SET status = 'revoked' WHERE key_hash = ?")) {
      s.setString(1, hash);
      assertThat(s.executeUpdate()).isOne();
    }
  }

  private static JsonNode json(WebTestClient.ResponseSpec spec) {
    byte[] body = spec.expectBody().returnResult().getResponseBody();
    return Json.MAPPER.readTree(body);
  }
}
