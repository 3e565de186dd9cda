package dev.tollgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/** Every admin endpoint through HTTP, and what its changes do to the data plane. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.admin.master-key=" + AdminApiTest.MASTER_KEY})
class AdminApiTest {

  static final String MASTER_KEY = "admin-master-key-0123456789";
  static final String ACCOUNT = "acct-admin-" + TestServices.REDIS_PREFIX;
  static final String CHAT =
      "{\"model\":\"paid\",\"max_tokens\":10,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;

  WebTestClient admin;

  @BeforeEach
  void client() {
    admin = client(port).mutate().defaultHeader("Authorization", "Bearer " + MASTER_KEY).build();
  }

  static WebTestClient client(int port) {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .build();
  }

  // --- authentication ---

  @Test
  void aMissingOrWrongMasterKeyIs401() {
    client(port)
        .get()
        .uri("/admin/accounts/" + ACCOUNT)
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");
    client(port)
        .get()
        .uri("/admin/accounts/" + ACCOUNT)
        .header("Authorization", "Bearer " + MASTER_KEY + "x")
        .exchange()
        .expectStatus()
        .isUnauthorized();
    client(port)
        .get()
        .uri("/admin/accounts/" + ACCOUNT)
        .header("Authorization", "Bearer " + BillingTestSupport.KEY)
        .exchange()
        .expectStatus()
        .isUnauthorized();
  }

  // --- accounts ---

  @Test
  void anAccountIsCreatedAndReadBack() {
    JsonNode created =
        post(
            "/admin/accounts",
            "{\"name\":\"Acme\",\"owner\":\"user-1\","
                + "\"plan\":{\"allowance\":\"20.00\",\"period\":\"P1M\"},\"discount\":0.15}",
            201);
    String id = created.path("id").asString();
    assertThat(id).matches("acct_[0-9a-f]{20}");
    assertThat(created.path("name").asString()).isEqualTo("Acme");
    assertThat(created.path("owner").asString()).isEqualTo("user-1");
    assertThat(created.path("balance").decimalValue()).isEqualByComparingTo("0");
    assertThat(created.path("allowance_left").decimalValue()).isEqualByComparingTo("20");
    assertThat(created.path("discount").decimalValue()).isEqualByComparingTo("0.15");
    assertThat(created.path("status").asString()).isEqualTo("active");
    assertThat(BillingTestSupport.queryLong("SELECT discount_ppm FROM accounts WHERE id = ?", id))
        .isEqualTo(150_000);

    JsonNode read = get("/admin/accounts/" + id, 200);
    assertThat(read.path("held").decimalValue()).isEqualByComparingTo("0");
    assertThat(read.path("allowance_left").decimalValue()).isEqualByComparingTo("20");
    assertThat(read.path("status").asString()).isEqualTo("active");
  }

  @Test
  void badAccountsAreRefused() {
    error(admin.post().uri("/admin/accounts"), "{\"owner\":\"u\"}", 400, "name");
    error(admin.post().uri("/admin/accounts"), "{\"name\":\"n\"}", 400, "owner");
    error(
        admin.post().uri("/admin/accounts"),
        "{\"name\":\"n\",\"owner\":\"u\",\"discount\":1.5}",
        400,
        "discount");
    error(
        admin.post().uri("/admin/accounts"),
        "{\"name\":\"n\",\"owner\":\"u\",\"plan\":{\"allowance\":\"-1\",\"period\":\"P1M\"}}",
        400,
        "plan.allowance");
    error(
        admin.post().uri("/admin/accounts"),
        "{\"name\":\"n\",\"owner\":\"u\",\"plan\":{\"allowance\":\"1\",\"period\":\"monthly\"}}",
        400,
        "plan.period");
    error(admin.post().uri("/admin/accounts"), "[1]", 400, null);
    admin
        .get()
        .uri("/admin/accounts/acct_nope")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("not_found");
  }

  // --- credits ---

  @Test
  void aCreditIsIdempotentOnItsReferenceAndLiftsTheRedisBalanceOnce() {
    String id = newAccount();
    // Not in Redis yet: PostgreSQL alone holds the credit, and a later load brings it.
    JsonNode first =
        post(
            "/admin/accounts/" + id + "/credits",
            "{\"amount\":\"1.00\",\"reference\":\"pay-1\",\"type\":\"credit\"}",
            201);
    assertThat(first.path("repeated").asBoolean()).isFalse();
    assertThat(first.path("balance").decimalValue()).isEqualByComparingTo("1");

    String key = newKey(id, "{}").path("key").asString();
    chat(key, 200); // loads the account into Redis, then bills it
    long loaded = awaitRedisBalance(id, 1_000_000_000L - BillingTestSupport.cost(8, 10));

    // A JSON number, read exactly (0.1 is not a double here).
    JsonNode second =
        post(
            "/admin/accounts/" + id + "/credits",
            "{\"amount\":0.1,\"reference\":\"pay-2\",\"type\":\"adjustment\",\"note\":\"x\"}",
            201);
    assertThat(second.path("repeated").asBoolean()).isFalse();
    assertThat(redis(id).balance()).isEqualTo(loaded + 100_000_000L);
    assertThat(second.path("balance").decimalValue())
        .isEqualByComparingTo(AdminJson.decimal(loaded + 100_000_000L));

    JsonNode again =
        post(
            "/admin/accounts/" + id + "/credits",
            "{\"amount\":0.1,\"reference\":\"pay-2\",\"type\":\"adjustment\"}",
            201);
    assertThat(again.path("repeated").asBoolean()).isTrue();
    assertThat(redis(id).balance()).isEqualTo(loaded + 100_000_000L);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND type <> 'debit'", id))
        .isEqualTo(2);

    // The same reference for another amount is a conflict, not a silent repeat.
    error(
        admin.post().uri("/admin/accounts/" + id + "/credits"),
        "{\"amount\":\"5\",\"reference\":\"pay-2\",\"type\":\"adjustment\"}",
        409,
        "reference");
  }

  @Test
  void badCreditsAreRefused() {
    String id = newAccount();
    String uri = "/admin/accounts/" + id + "/credits";
    error(
        admin.post().uri(uri),
        "{\"amount\":\"-1\",\"reference\":\"r\",\"type\":\"credit\"}",
        400,
        "amount");
    error(
        admin.post().uri(uri),
        "{\"amount\":\"0\",\"reference\":\"r\",\"type\":\"credit\"}",
        400,
        "amount");
    error(admin.post().uri(uri), "{\"reference\":\"r\",\"type\":\"credit\"}", 400, "amount");
    error(
        admin.post().uri(uri),
        "{\"amount\":\"1\",\"reference\":\"r\",\"type\":\"gift\"}",
        400,
        "type");
    error(admin.post().uri(uri), "{\"amount\":\"1\",\"type\":\"credit\"}", 400, "reference");
    error(
        admin.post().uri(uri),
        "{\"amount\":\"0.0000000001\",\"reference\":\"r\",\"type\":\"credit\"}",
        400,
        "amount");
    error(
        admin.post().uri("/admin/accounts/acct_nope/credits"),
        "{\"amount\":\"1\",\"reference\":\"r\",\"type\":\"credit\"}",
        404,
        null);
  }

  // --- keys ---

  @Test
  void aCreatedKeyWorksAndIsBilledToItsAccount() throws Exception {
    String id = newAccount();
    credit(id, "2.00");
    JsonNode created =
        newKey(
            id,
            "{\"name\":\"ci\",\"limits\":{\"rpm\":60,\"tpm\":1000,\"max_concurrent\":2,"
                + "\"spend_cap\":\"5.5\",\"models\":[\"paid\"],"
                + "\"expires_at\":\"2099-01-01T00:00:00Z\"}}");
    String key = created.path("key").asString();
    assertThat(key).startsWith("sk-gw-");
    assertThat(created.path("prefix").asString()).isEqualTo(key.substring(0, 12));
    assertThat(created.path("id").asString()).startsWith("key_");
    assertThat(created.path("limits").path("rpm").asInt()).isEqualTo(60);
    assertThat(created.path("limits").path("spend_cap").decimalValue()).isEqualByComparingTo("5.5");
    assertThat(created.path("limits").path("models").get(0).asString()).isEqualTo("paid");

    chat(key, 200);
    awaitRedisBalance(id, 2_000_000_000L - BillingTestSupport.cost(8, 10));
    BillingTestSupport.awaitFlushed(id, 1);
    assertThat(
            BillingTestSupport.queryString(
                "SELECT key_id FROM usage_events WHERE account_id = ?", id))
        .isEqualTo(created.path("id").asString());
    assertThat(
            BillingTestSupport.queryString(
                "SELECT key_hash FROM api_keys WHERE id = ?", created.path("id").asString()))
        .doesNotContain(key.substring(12));
  }

  @Test
  void anExpiredKeyIsRefused() throws SQLException {
    String id = newAccount();
    credit(id, "1");
    String soon = Instant.now().plusSeconds(3600).toString();
    JsonNode created = newKey(id, "{\"limits\":{\"expires_at\":\"" + soon + "\"}}");
    // A key cannot be made expired (400, below): its expiry passes while it is stored.
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s =
            c.prepareStatement(
                "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = ?")) {
      s.setString(1, created.path("id").asString());
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
    chat(created.path("key").asString(), 401);
  }

  @Test
  void badKeysAreRefused() {
    String id = newAccount();
    String uri = "/admin/accounts/" + id + "/keys";
    error(admin.post().uri(uri), "{\"limits\":{\"rpm\":0}}", 400, "rpm");
    error(admin.post().uri(uri), "{\"limits\":{\"spend_cap\":\"-2\"}}", 400, "limits.spend_cap");
    error(admin.post().uri(uri), "{\"limits\":{\"models\":\"paid\"}}", 400, "limits.models");
    error(
        admin.post().uri(uri),
        "{\"limits\":{\"expires_at\":\"tomorrow\"}}",
        400,
        "limits.expires_at");
    error(
        admin.post().uri(uri),
        "{\"limits\":{\"expires_at\":\"" + Instant.now().minusSeconds(1) + "\"}}",
        400,
        "limits.expires_at");
    error(admin.post().uri("/admin/accounts/acct_nope/keys"), "{}", 404, null);
    admin.delete().uri("/admin/keys/key_nope").exchange().expectStatus().isNotFound();
  }

  @Test
  void aRevokedKeyIsRefusedAtOnceHere() {
    String id = newAccount();
    credit(id, "1");
    JsonNode created = newKey(id, "{}");
    String key = created.path("key").asString();
    chat(key, 200);
    admin
        .delete()
        .uri("/admin/keys/" + created.path("id").asString())
        .exchange()
        .expectStatus()
        .isNoContent();
    chat(key, 401);
    // Revoking again is harmless.
    admin
        .delete()
        .uri("/admin/keys/" + created.path("id").asString())
        .exchange()
        .expectStatus()
        .isNoContent();
  }

  // --- status ---

  @Test
  void aSuspendedAccountIs403UntilReactivated() {
    String id = newAccount();
    credit(id, "1");
    String key = newKey(id, "{}").path("key").asString();
    chat(key, 200); // the key is cached and the account loaded into Redis

    JsonNode suspended =
        patch("/admin/accounts/" + id, "{\"status\":\"suspended\",\"discount\":\"0.5\"}", 200);
    assertThat(suspended.path("status").asString()).isEqualTo("suspended");
    assertThat(suspended.path("discount").decimalValue()).isEqualByComparingTo("0.5");
    assertThat(redis(id).status()).isEqualTo("suspended");
    assertThat(redis(id).discountPpm()).isEqualTo(500_000);
    client(port)
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(CHAT)
        .exchange()
        .expectStatus()
        .isForbidden()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("account_inactive");

    patch("/admin/accounts/" + id, "{\"status\":\"active\"}", 200);
    chat(key, 200);
    error(admin.patch().uri("/admin/accounts/" + id), "{\"status\":\"deleted\"}", 400, "status");
    error(admin.patch().uri("/admin/accounts/acct_nope"), "{\"status\":\"active\"}", 404, null);
  }

  // --- helpers ---

  String newAccount() {
    return post("/admin/accounts", "{\"name\":\"t\",\"owner\":\"o\"}", 201).path("id").asString();
  }

  void credit(String id, String amount) {
    post(
        "/admin/accounts/" + id + "/credits",
        "{\"amount\":\"" + amount + "\",\"reference\":\"init-" + id + "\",\"type\":\"credit\"}",
        201);
  }

  JsonNode newKey(String accountId, String body) {
    return post("/admin/accounts/" + accountId + "/keys", body, 201);
  }

  AccountState redis(String id) {
    AccountState state = holds.account(id).block(Duration.ofSeconds(5));
    assertThat(state).as("account %s in Redis", id).isNotNull();
    return state;
  }

  void chat(String key, int status) {
    chat(port, key, status);
  }

  static void chat(int port, String key, int status) {
    client(port)
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(CHAT)
        .exchange()
        .expectStatus()
        .isEqualTo(status);
  }

  JsonNode get(String uri, int status) {
    return json(admin.get().uri(uri).exchange().expectStatus().isEqualTo(status));
  }

  JsonNode post(String uri, String body, int status) {
    return json(
        admin
            .post()
            .uri(uri)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isEqualTo(status));
  }

  JsonNode patch(String uri, String body, int status) {
    return json(
        admin
            .patch()
            .uri(uri)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isEqualTo(status));
  }

  static JsonNode json(WebTestClient.ResponseSpec spec) {
    byte[] body = spec.expectBody().returnResult().getResponseBody();
    return Json.MAPPER.readTree(body);
  }

  /** Sends a bad body; the answer is the OpenAI error shape naming the field ({@code param}). */
  static void error(
      WebTestClient.RequestBodySpec request, String body, int status, String paramContains) {
    JsonNode answer =
        json(
            request
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isEqualTo(status));
    JsonNode error = answer.path("error");
    assertThat(error.path("message").asString()).isNotBlank();
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    if (paramContains != null) {
      assertThat(error.path("message").asString()).contains(paramContains);
    }
  }

  /** The settlement follows the response asynchronously: waits (5 s at most) for the balance. */
  private long awaitRedisBalance(String id, long expected) {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
    while (redis(id).balance() != expected && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    assertThat(redis(id).balance()).isEqualTo(expected);
    return expected;
  }
}
