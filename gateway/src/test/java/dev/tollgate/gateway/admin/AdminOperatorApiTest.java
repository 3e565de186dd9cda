package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminApiTest.client;
import static dev.tollgate.gateway.admin.AdminApiTest.error;
import static dev.tollgate.gateway.admin.AdminApiTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The operator's side of the admin API (issue 14) through HTTP: listing and searching accounts,
 * changing and deleting them, changing keys' limits, money out, and the audit trail of it all.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.admin.master-key=" + AdminApiTest.MASTER_KEY})
class AdminOperatorApiTest {

  static final String ACCOUNT = "acct-operator-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;

  WebTestClient admin;

  @BeforeEach
  void adminClient() {
    admin =
        client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
  }

  // --- GET /admin/accounts ---

  @Test
  void accountsAreListedNewestFirstBySearchAndStatusWithCursors() {
    String tag = "find-" + UUID.randomUUID();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(newAccount("Shop " + tag + " " + i, "owner-" + tag + "-" + i));
    }
    JsonNode first = get("/admin/accounts?q=" + tag.toUpperCase() + "&limit=2", 200);
    assertThat(first.path("object").asString()).isEqualTo("list");
    assertThat(ids(first)).containsExactly(ids.get(2), ids.get(1));
    String cursor = first.path("next_cursor").asString();
    assertThat(cursor).isNotBlank();
    JsonNode second = get("/admin/accounts?q=" + tag + "&limit=2&cursor=" + cursor, 200);
    assertThat(ids(second)).containsExactly(ids.get(0));
    assertThat(second.path("next_cursor").isNull()).isTrue();

    // The owner and the id match exactly.
    assertThat(ids(get("/admin/accounts?q=owner-" + tag + "-1", 200))).containsExactly(ids.get(1));
    assertThat(ids(get("/admin/accounts?q=" + ids.get(0), 200))).containsExactly(ids.get(0));

    patch("/admin/accounts/" + ids.get(1), "{\"status\":\"suspended\"}", 200);
    assertThat(ids(get("/admin/accounts?q=" + tag + "&status=suspended", 200)))
        .containsExactly(ids.get(1));
    assertThat(ids(get("/admin/accounts?q=" + tag + "&status=active", 200)))
        .containsExactly(ids.get(2), ids.get(0));

    admin.get().uri("/admin/accounts?limit=0").exchange().expectStatus().isBadRequest();
    admin.get().uri("/admin/accounts?limit=1001").exchange().expectStatus().isBadRequest();
    admin.get().uri("/admin/accounts?cursor=%21%21").exchange().expectStatus().isBadRequest();
    admin
        .get()
        .uri("/admin/accounts?status=closed")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("status");
  }

  // --- PATCH /admin/accounts/{id} ---

  @Test
  void nameStatusAndDiscountChangeAndTheTrailSaysWhoChangedWhatForWhichRequest() {
    String id = newAccount("Before", "o-" + UUID.randomUUID());
    EntityExchangeResult<byte[]> result =
        admin
            .patch()
            .uri("/admin/accounts/" + id)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue("{\"name\":\"After\",\"discount\":\"0.25\"}")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult();
    JsonNode body = dev.tollgate.adapter.Json.MAPPER.readTree(result.getResponseBody());
    assertThat(body.path("name").asString()).isEqualTo("After");
    assertThat(body.path("discount").decimalValue()).isEqualByComparingTo("0.25");
    assertThat(body.path("status").asString()).isEqualTo("active");

    JsonNode entry = get("/admin/audit?target=" + id, 200).path("data").get(0);
    assertThat(entry.path("action").asString()).isEqualTo("account.update");
    assertThat(entry.path("actor").asString()).isEqualTo("admin:master-key");
    assertThat(entry.path("request_id").asString())
        .isEqualTo(result.getResponseHeaders().getFirst("x-request-id"));
    // Only what changed: the status stayed.
    assertThat(entry.path("before").path("name").asString()).isEqualTo("Before");
    assertThat(entry.path("after").path("name").asString()).isEqualTo("After");
    assertThat(entry.path("before").path("discount_ppm").asLong()).isZero();
    assertThat(entry.path("after").path("discount_ppm").asLong()).isEqualTo(250_000);
    assertThat(entry.path("after").has("status")).isFalse();
  }

  @Test
  void badAccountChangesAreRefusedAndWriteNothing() {
    String id = newAccount("Keep", "o-" + UUID.randomUUID());
    String uri = "/admin/accounts/" + id;
    error(admin.patch().uri(uri), "{}", 400, "Nothing to change");
    error(admin.patch().uri(uri), "{\"nmae\":\"x\"}", 400, "nmae");
    error(admin.patch().uri(uri), "{\"name\":\"\"}", 400, "name");
    error(admin.patch().uri(uri), "{\"name\":\"a\\u0000b\"}", 400, "name");
    error(admin.patch().uri(uri), "{\"name\":\"x\",\"discount\":2}", 400, "discount");
    error(admin.patch().uri(uri), "{\"name\":\"x\",\"status\":\"deleted\"}", 400, "status");
    error(
        admin.patch().uri(uri),
        "{\"plan\":{\"allowance\":\"-1\",\"period\":\"P1M\"}}",
        400,
        "plan");
    error(
        admin.patch().uri(uri), "{\"plan\":{\"allowance\":\"1\",\"period\":\"P0D\"}}", 400, "plan");
    assertThat(BillingTestSupport.queryString("SELECT name FROM accounts WHERE id = ?", id))
        .isEqualTo("Keep");
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM audit_log WHERE target = ? AND action = 'account.update'",
                id))
        .isZero();
  }

  @Test
  void aPlanChangesFromTheNextPeriodOrAtOnceRestartingThePeriod() {
    String id =
        post(
                "/admin/accounts",
                "{\"name\":\"Plan\",\"owner\":\"o-"
                    + UUID.randomUUID()
                    + "\",\"plan\":{\"allowance\":\"20\",\"period\":\"P1M\"}}",
                201)
            .path("id")
            .asString();
    String key = newKey(id, "{}").path("key").asString();
    AdminApiTest.chat(port, key, 200); // loads the account into Redis, charged to the allowance
    long left = 20_000_000_000L - BillingTestSupport.cost(8, 10);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (redis(id).subLeft() != left && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(redis(id).subLeft()).isEqualTo(left);
    String started =
        BillingTestSupport.queryString(
            "SELECT period_started_at::text FROM accounts WHERE id = ?", id);

    // From the next period: what is left of this one stays.
    JsonNode next =
        patch("/admin/accounts/" + id, "{\"plan\":{\"allowance\":\"50\",\"period\":\"P1M\"}}", 200);
    assertThat(next.path("plan").path("allowance").decimalValue()).isEqualByComparingTo("50");
    assertThat(next.path("allowance_left").decimalValue())
        .isEqualByComparingTo(AdminJson.decimal(left));
    assertThat(redis(id).subLeft()).isEqualTo(left);
    assertThat(
            BillingTestSupport.queryString(
                "SELECT period_started_at::text FROM accounts WHERE id = ?", id))
        .isEqualTo(started);

    // Another period needs the period restarted.
    error(
        admin.patch().uri("/admin/accounts/" + id),
        "{\"plan\":{\"allowance\":\"5\",\"period\":\"P1W\"}}",
        400,
        "plan.period");
    error(
        admin.patch().uri("/admin/accounts/" + id),
        "{\"plan\":{\"allowance\":\"5\",\"period\":\"P1W\",\"effective\":\"soon\"}}",
        400,
        "plan.effective");
    assertThat(
            BillingTestSupport.queryString(
                "SELECT allowance_period FROM accounts WHERE id = ?", id))
        .isEqualTo("P1M");

    JsonNode now =
        patch(
            "/admin/accounts/" + id,
            "{\"plan\":{\"allowance\":\"5\",\"period\":\"P1W\",\"effective\":\"now\"}}",
            200);
    assertThat(now.path("plan").path("period").asString()).isEqualTo("P1W");
    assertThat(now.path("allowance_left").decimalValue()).isEqualByComparingTo("5");
    assertThat(redis(id).subLeft()).isEqualTo(5_000_000_000L);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT allowance_left_nanos FROM accounts WHERE id = ?", id))
        .isEqualTo(5_000_000_000L);
    assertThat(
            BillingTestSupport.queryString(
                "SELECT period_started_at::text FROM accounts WHERE id = ?", id))
        .isGreaterThan(started);
    JsonNode entry = get("/admin/audit?target=" + id + "&limit=1", 200).path("data").get(0);
    assertThat(entry.path("after").path("allowance_period").asString()).isEqualTo("P1W");
    assertThat(entry.path("after").path("period_restarted").asBoolean()).isTrue();
  }

  // --- DELETE /admin/accounts/{id} ---

  @Test
  void anAdminDeletesAnAccountAsItsOwnerWouldKeysStopAtOnceTheLedgerStays() {
    String id = newAccount("Gone", "o-" + UUID.randomUUID());
    credit(id, "credit", "1", "d-" + id, null, 201);
    String key = newKey(id, "{}").path("key").asString();
    AdminApiTest.chat(port, key, 200);

    admin.delete().uri("/admin/accounts/" + id).exchange().expectStatus().isNoContent();

    AdminApiTest.chat(port, key, 401);
    admin.get().uri("/admin/accounts/" + id).exchange().expectStatus().isNotFound();
    admin.delete().uri("/admin/accounts/" + id).exchange().expectStatus().isNotFound();
    assertThat(BillingTestSupport.queryString("SELECT status FROM accounts WHERE id = ?", id))
        .isEqualTo("deleted");
    assertThat(BillingTestSupport.queryString("SELECT name FROM accounts WHERE id = ?", id))
        .isEmpty();
    assertThat(
            BillingTestSupport.queryLong("SELECT count(*) FROM api_keys WHERE account_id = ?", id))
        .isZero();
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND category = 'topup'",
                id))
        .isEqualTo(1);
    JsonNode entry = get("/admin/audit?target=" + id + "&limit=1", 200).path("data").get(0);
    assertThat(entry.path("action").asString()).isEqualTo("account.delete");
    assertThat(entry.path("after").path("status").asString()).isEqualTo("deleted");
  }

  // --- PATCH /admin/keys/{id} ---

  @Test
  void aKeysNameAndLimitsChangeAndApplyToItsNextRequest() {
    String id = newAccount("Keys", "o-" + UUID.randomUUID());
    credit(id, "credit", "1", "k-" + id, null, 201);
    JsonNode created = newKey(id, "{\"name\":\"ci\",\"limits\":{\"rpm\":60}}");
    String keyId = created.path("id").asString();
    String key = created.path("key").asString();
    AdminApiTest.chat(port, key, 200); // cached from here on

    String expires = Instant.now().plusSeconds(86_400).truncatedTo(ChronoUnit.SECONDS).toString();
    JsonNode changed =
        patch(
            "/admin/keys/" + keyId,
            "{\"name\":\"prod\",\"limits\":{\"models\":[\"other-model\"],\"tpm\":5000,"
                + "\"max_concurrent\":3,\"spend_cap\":\"2.5\",\"expires_at\":\""
                + expires
                + "\"}}",
            200);
    assertThat(changed.path("name").asString()).isEqualTo("prod");
    JsonNode limits = changed.path("limits");
    assertThat(limits.path("rpm").asInt()).isEqualTo(60); // left out: kept
    assertThat(limits.path("tpm").asInt()).isEqualTo(5000);
    assertThat(limits.path("max_concurrent").asInt()).isEqualTo(3);
    assertThat(limits.path("spend_cap").decimalValue()).isEqualByComparingTo("2.5");
    assertThat(limits.path("models").get(0).asString()).isEqualTo("other-model");
    assertThat(limits.path("expires_at").asString()).isEqualTo(expires);
    AdminApiTest.chat(port, key, 403); // "paid" is no longer allowed, although cached

    JsonNode lifted =
        patch("/admin/keys/" + keyId, "{\"limits\":{\"models\":null,\"rpm\":null}}", 200);
    assertThat(lifted.path("limits").path("models")).isEmpty();
    assertThat(lifted.path("limits").path("rpm").isNull()).isTrue();
    AdminApiTest.chat(port, key, 200);

    JsonNode entry = get("/admin/audit?target=" + keyId + "&limit=1", 200).path("data").get(0);
    assertThat(entry.path("action").asString()).isEqualTo("key.update");
    assertThat(entry.path("before").path("rpm").asInt()).isEqualTo(60);
    assertThat(entry.path("after").path("rpm").isNull()).isTrue();
    assertThat(entry.path("after").has("tpm")).isFalse();
  }

  @Test
  void badKeyChangesAreRefusedAndWriteNothing() {
    String id = newAccount("Keys", "o-" + UUID.randomUUID());
    String keyId = newKey(id, "{\"limits\":{\"rpm\":60}}").path("id").asString();
    String uri = "/admin/keys/" + keyId;
    error(admin.patch().uri(uri), "{\"limits\":{\"rpm\":0}}", 400, "rpm");
    error(admin.patch().uri(uri), "{\"limits\":{\"rpm\":1.5}}", 400, "rpm");
    error(admin.patch().uri(uri), "{\"limits\":{\"tmp\":5}}", 400, "limits.tmp");
    error(admin.patch().uri(uri), "{\"limits\":{\"spend_cap\":\"-1\"}}", 400, "spend_cap");
    error(admin.patch().uri(uri), "{\"limits\":{\"models\":[\"\"]}}", 400, "limits.models");
    error(
        admin.patch().uri(uri),
        "{\"limits\":{\"expires_at\":\"" + Instant.now().minusSeconds(5) + "\"}}",
        400,
        "expires_at");
    error(admin.patch().uri(uri), "{\"secret\":\"x\"}", 400, "secret");
    error(admin.patch().uri("/admin/keys/key_nope"), "{\"name\":\"x\"}", 404, null);
    assertThat(BillingTestSupport.queryLong("SELECT rpm FROM api_keys WHERE id = ?", keyId))
        .isEqualTo(60);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM audit_log WHERE target = ? AND action = 'key.update'", keyId))
        .isZero();
  }

  // --- money out ---

  @Test
  void moneyComesOutByNegativeAdjustmentAndDebitNeverBelowZeroUnlessAllowed() {
    String id = newAccount("Money", "o-" + UUID.randomUUID());
    credit(id, "credit", "10", "in-" + id, null, 201);
    String key = newKey(id, "{}").path("key").asString();
    AdminApiTest.chat(port, key, 200); // the account is in Redis from here on
    long live = awaitSettled(id);

    JsonNode adjusted = credit(id, "adjustment", "-3", "adj-" + id, null, 201);
    assertThat(adjusted.path("type").asString()).isEqualTo("debit");
    assertThat(adjusted.path("category").asString()).isEqualTo("adjustment");
    assertThat(redis(id).balance()).isEqualTo(live - 3_000_000_000L);
    assertThat(adjusted.path("balance").decimalValue())
        .isEqualByComparingTo(AdminJson.decimal(live - 3_000_000_000L));
    // A repeat changes nothing.
    JsonNode again = credit(id, "adjustment", "-3", "adj-" + id, null, 201);
    assertThat(again.path("repeated").asBoolean()).isTrue();
    assertThat(redis(id).balance()).isEqualTo(live - 3_000_000_000L);

    // More than is left: refused, nothing written, in PostgreSQL or Redis.
    JsonNode refused = credit(id, "debit", "7.5", "fee-" + id, null, 400);
    assertThat(refused.path("error").path("code").asString()).isEqualTo("balance_too_low");
    assertThat(redis(id).balance()).isEqualTo(live - 3_000_000_000L);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM ledger_entries WHERE reference = ?", "admin:fee-" + id))
        .isZero();

    JsonNode charged = credit(id, "debit", "7.5", "fee-" + id, "\"allow_negative\":true,", 201);
    assertThat(charged.path("repeated").asBoolean()).isFalse();
    assertThat(redis(id).balance()).isEqualTo(live - 10_500_000_000L);
    assertThat(redis(id).balance()).isNegative();
    assertThat(
            BillingTestSupport.queryString(
                "SELECT type || '/' || category || '/' || amount_nanos FROM ledger_entries"
                    + " WHERE reference = ?",
                "admin:fee-" + id))
        .isEqualTo("debit/adjustment/7500000000");
    // The same debit again is a repeat, not a second charge, even below zero.
    assertThat(credit(id, "debit", "7.5", "fee-" + id, null, 201).path("repeated").asBoolean())
        .isTrue();
    assertThat(redis(id).balance()).isEqualTo(live - 10_500_000_000L);

    JsonNode entry = get("/admin/audit?target=" + id + "&limit=1", 200).path("data").get(0);
    assertThat(entry.path("action").asString()).isEqualTo("account.ledger");
    assertThat(entry.path("after").path("amount_nanos").asLong()).isEqualTo(-7_500_000_000L);
  }

  @Test
  void concurrentDebitsChargeOncePerReferenceAndNeverBelowZero() throws Exception {
    String id = newAccount("Race", "o-" + UUID.randomUUID());
    credit(id, "credit", "5", "race-in-" + id, null, 201);
    // Loaded as the data plane would, after the credit: Redis checks money out too.
    holds.loadAccount(id, 5_000_000_000L, 0, 0, "active").block(Duration.ofSeconds(5));
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      // The same debit sent 10 times at once: charged once.
      List<Future<Integer>> same = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        same.add(
            pool.submit(
                () -> status(id, "{\"amount\":\"1\",\"reference\":\"one\",\"type\":\"debit\"}")));
      }
      for (Future<Integer> f : same) {
        assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(201);
      }
      assertThat(redis(id).balance()).isEqualTo(4_000_000_000L);
      // 10 different debits of 1 from 4 at once: 4 applied, 6 refused, never below zero.
      List<Future<Integer>> many = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String body = "{\"amount\":\"1\",\"reference\":\"many-" + i + "\",\"type\":\"debit\"}";
        many.add(pool.submit(() -> status(id, body)));
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : many) {
        statuses.add(f.get(20, TimeUnit.SECONDS));
      }
      assertThat(statuses).filteredOn(st -> st == 201).hasSize(4);
      assertThat(statuses).filteredOn(st -> st == 400).hasSize(6);
    } finally {
      pool.shutdownNow();
    }
    assertThat(redis(id).balance()).isZero();
    assertThat(BillingTestSupport.pgBalance(id)).isZero();
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND type = 'debit'", id))
        .isEqualTo(5);
  }

  private int status(String id, String body) {
    return admin
        .post()
        .uri("/admin/accounts/" + id + "/credits")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .returnResult(byte[].class)
        .getStatus()
        .value();
  }

  @Test
  void badMoneyMovesAreRefused() {
    String id = newAccount("Money", "o-" + UUID.randomUUID());
    credit(id, "credit", "1", "b-" + id, null, 201);
    String uri = "/admin/accounts/" + id + "/credits";
    String[][] cases = {
      {"{\"amount\":\"-1\",\"reference\":\"r\",\"type\":\"credit\"}", "amount"},
      {"{\"amount\":\"-1\",\"reference\":\"r\",\"type\":\"debit\"}", "amount"},
      {"{\"amount\":\"-0\",\"reference\":\"r\",\"type\":\"adjustment\"}", "amount"},
      {"{\"amount\":\"--1\",\"reference\":\"r\",\"type\":\"adjustment\"}", "amount"},
      {
        "{\"amount\":\"1\",\"reference\":\"r\",\"type\":\"debit\",\"category\":\"usage\"}",
        "category"
      },
      {
        "{\"amount\":\"1\",\"reference\":\"r\",\"type\":\"debit\",\"category\":\"misc\"}",
        "category"
      },
      {
        "{\"amount\":\"1\",\"reference\":\"r\",\"type\":\"debit\",\"allow_negative\":\"yes\"}",
        "allow_negative"
      },
    };
    for (String[] c : cases) {
      error(admin.post().uri(uri), c[0], 400, c[1]);
    }
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ?", id))
        .isEqualTo(1);
  }

  // --- GET /admin/audit ---

  @Test
  void theTrailFiltersByActorTargetAndTimePagesNewestFirstAndHoldsNoSecret() {
    Instant start = Instant.now().minusSeconds(1);
    String id = newAccount("Trail", "o-" + UUID.randomUUID());
    JsonNode created = newKey(id, "{}");
    String keyId = created.path("id").asString();
    admin.delete().uri("/admin/keys/" + keyId).exchange().expectStatus().isNoContent();

    JsonNode page = get("/admin/audit?target=" + keyId + "&limit=1", 200);
    assertThat(page.path("data").get(0).path("action").asString()).isEqualTo("key.revoke");
    JsonNode next =
        get(
            "/admin/audit?target="
                + keyId
                + "&limit=1&cursor="
                + page.path("next_cursor").asString(),
            200);
    assertThat(next.path("data").get(0).path("action").asString()).isEqualTo("key.create");
    assertThat(next.path("next_cursor").isNull()).isTrue();
    String recorded = next.path("data").get(0).toString();
    String secret = created.path("key").asString();
    assertThat(recorded).doesNotContain(secret).doesNotContain(secret.substring(12));
    assertThat(recorded)
        .doesNotContain(
            BillingTestSupport.queryString("SELECT key_hash FROM api_keys WHERE id = ?", keyId));

    JsonNode byActor =
        get("/admin/audit?actor=admin:master-key&from=" + start + "&limit=1000", 200);
    assertThat(byActor.path("data").valueStream().map(e -> e.path("target").asString()))
        .contains(id, keyId);
    assertThat(get("/admin/audit?actor=owner:nobody", 200).path("data")).isEmpty();
    // Behind the admin credential, as every /admin path.
    for (String path :
        List.of("/admin/audit", "/admin/accounts", "/admin/usage", "/admin/ledger")) {
      client(port).get().uri(path).exchange().expectStatus().isUnauthorized();
    }
    client(port)
        .patch()
        .uri("/admin/keys/" + keyId)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"name\":\"x\"}")
        .exchange()
        .expectStatus()
        .isUnauthorized();
    admin.get().uri("/admin/audit?from=yesterday").exchange().expectStatus().isBadRequest();
    admin.get().uri("/admin/audit?limit=-1").exchange().expectStatus().isBadRequest();
  }

  @Test
  void theTrailIsAppendOnly() throws SQLException {
    newAccount("Append", "o-" + UUID.randomUUID());
    try (var c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        var s = c.createStatement()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.executeUpdate("UPDATE audit_log SET actor = 'someone else'"))
          .hasMessageContaining("append-only");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.executeUpdate("DELETE FROM audit_log"))
          .hasMessageContaining("append-only");
    }
  }

  // --- reports ---

  @Test
  void usageIsSummedPerDayModelAccountOrKeyOverARange() throws SQLException {
    String a = newAccount("Usage A", "o-" + UUID.randomUUID());
    String b = newAccount("Usage B", "o-" + UUID.randomUUID());
    insertUsage(a, "key_a", "m1", "2001-03-01T10:00:00Z", 100, 10, 1_000, 1_000);
    insertUsage(a, "key_a", "m1", "2001-03-01T11:00:00Z", 200, 20, 2_000, 1_500);
    insertUsage(a, "key_a2", "m2", "2001-03-02T09:00:00Z", 300, 30, 3_000, 3_000);
    insertUsage(b, "key_b", "m1", "2001-03-01T12:00:00Z", 400, 40, 4_000, 4_000);
    insertUsage(b, "key_b", "m1", "2001-03-05T12:00:00Z", 500, 50, 5_000, 5_000); // past "to"
    String range = "from=2001-03-01T00:00:00Z&to=2001-03-03T00:00:00Z";

    JsonNode byModel = get("/admin/usage?" + range + "&group_by=model&account_id=" + a, 200);
    assertThat(byModel.path("group_by").asString()).isEqualTo("model");
    JsonNode m1 = byModel.path("data").get(0);
    assertThat(m1.path("group").asString()).isEqualTo("m1");
    assertThat(m1.path("requests").asLong()).isEqualTo(2);
    assertThat(m1.path("input_tokens").asLong()).isEqualTo(300);
    assertThat(m1.path("output_tokens").asLong()).isEqualTo(30);
    assertThat(m1.path("cost").decimalValue()).isEqualByComparingTo("0.000003");
    assertThat(m1.path("charged").decimalValue()).isEqualByComparingTo("0.0000025");
    assertThat(m1.path("uncollected").decimalValue()).isEqualByComparingTo("0.0000005");
    assertThat(byModel.path("data").get(1).path("group").asString()).isEqualTo("m2");
    assertThat(byModel.path("data")).hasSize(2);

    JsonNode byDay = get("/admin/usage?" + range + "&group_by=day&account_id=" + a, 200);
    assertThat(byDay.path("data").valueStream().map(g -> g.path("group").asString()))
        .containsExactly("2001-03-01", "2001-03-02");
    JsonNode byAccount = get("/admin/usage?" + range + "&group_by=account", 200);
    assertThat(byAccount.path("data").valueStream().map(g -> g.path("group").asString()))
        .containsExactlyInAnyOrder(a, b);
    JsonNode byKey = get("/admin/usage?" + range + "&group_by=key", 200);
    assertThat(byKey.path("data").valueStream().map(g -> g.path("requests").asLong()))
        .containsExactly(2L, 1L, 1L);

    admin.get().uri("/admin/usage?group_by=week").exchange().expectStatus().isBadRequest();
    admin.get().uri("/admin/usage?group_by=DAY").exchange().expectStatus().isBadRequest();
    admin.get().uri("/admin/usage?from=soon").exchange().expectStatus().isBadRequest();
    admin
        .get()
        .uri("/admin/usage?from=2001-03-03T00:00:00Z&to=2001-03-01T00:00:00Z")
        .exchange()
        .expectStatus()
        .isBadRequest();
  }

  @Test
  void theLedgerOfAnAccountIsListedAsItsOwnerSeesIt() {
    String id = newAccount("Ledger", "o-" + UUID.randomUUID());
    credit(id, "credit", "5", "l1-" + id, null, 201);
    credit(id, "debit", "2", "l2-" + id, null, 201);
    JsonNode page = get("/admin/ledger?account_id=" + id + "&limit=1", 200);
    JsonNode newest = page.path("data").get(0);
    assertThat(newest.path("object").asString()).isEqualTo("ledger_entry");
    assertThat(newest.path("type").asString()).isEqualTo("debit");
    assertThat(newest.path("category").asString()).isEqualTo("adjustment");
    assertThat(newest.path("amount").decimalValue()).isEqualByComparingTo("2");
    JsonNode older =
        get(
            "/admin/ledger?account_id=" + id + "&cursor=" + page.path("next_cursor").asString(),
            200);
    assertThat(older.path("data").get(0).path("category").asString()).isEqualTo("topup");
    assertThat(older.path("next_cursor").isNull()).isTrue();
    admin.get().uri("/admin/ledger").exchange().expectStatus().isBadRequest();
    admin.get().uri("/admin/ledger?account_id=acct_nope").exchange().expectStatus().isNotFound();
  }

  static void insertUsage(
      String account,
      String key,
      String model,
      String startedAt,
      long prompt,
      long completion,
      long cost,
      long charged)
      throws SQLException {
    try (var c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        var s =
            c.prepareStatement(
                "INSERT INTO usage_events (request_id, account_id, key_id, model, provider,"
                    + " status, source, prompt_tokens, completion_tokens, cached_tokens,"
                    + " reasoning_tokens, cost_nanos, charged_nanos, from_allowance_nanos,"
                    + " from_balance_nanos, uncollected_nanos, price_version, markup_ppm,"
                    + " discount_ppm, started_at, ttft_ms, duration_ms, settled_at)"
                    + " VALUES (?, ?, ?, ?, 'mock', 'completed', 'reported', ?, ?, 0, 0, ?, ?,"
                    + " 0, ?, ?, 'v1', 0, 0, ?::timestamptz, 10, 100, ?::timestamptz)")) {
      s.setString(1, "req_" + UUID.randomUUID());
      s.setString(2, account);
      s.setString(3, key);
      s.setString(4, model);
      s.setLong(5, prompt);
      s.setLong(6, completion);
      s.setLong(7, cost);
      s.setLong(8, charged);
      s.setLong(9, charged);
      s.setLong(10, cost - charged);
      s.setString(11, startedAt);
      s.setString(12, startedAt);
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  // --- helpers ---

  String newAccount(String name, String owner) {
    return post("/admin/accounts", "{\"name\":\"" + name + "\",\"owner\":\"" + owner + "\"}", 201)
        .path("id")
        .asString();
  }

  JsonNode newKey(String accountId, String body) {
    return post("/admin/accounts/" + accountId + "/keys", body, 201);
  }

  JsonNode credit(
      String id, String type, String amount, String reference, String extra, int status) {
    return post(
        "/admin/accounts/" + id + "/credits",
        "{"
            + (extra == null ? "" : extra)
            + "\"amount\":\""
            + amount
            + "\",\"reference\":\""
            + reference
            + "\",\"type\":\""
            + type
            + "\"}",
        status);
  }

  AccountState redis(String id) {
    AccountState state = holds.account(id).block(Duration.ofSeconds(5));
    assertThat(state).as("account %s in Redis", id).isNotNull();
    return state;
  }

  /** The Redis balance once the one chat's charge has settled. */
  long awaitSettled(String id) {
    long expected = 10_000_000_000L - BillingTestSupport.cost(8, 10);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (redis(id).balance() != expected && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(redis(id).balance()).isEqualTo(expected);
    return expected;
  }

  static List<String> ids(JsonNode list) {
    return list.path("data").valueStream().map(a -> a.path("id").asString()).toList();
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
}
