package dev.tollgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.payments.WebhookSignature;
import dev.tollgate.gateway.support.TestServices;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;

/**
 * Top-up bonuses (tiers: 5% from 50, 10% from 100) credited as their own ledger entry once per
 * top-up, and redemption codes: made by the admin API, redeemed with {@code POST /v1/redeem}, once,
 * however many requests send a code at once.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.admin.master-key=" + AdminApiTest.MASTER_KEY,
      "gateway.payments.webhook-secret=" + TopUpsAndCodesApiTest.SECRET,
      "gateway.payments.reconcile-interval=1h",
      "gateway.billing.top-up-bonus.tiers[0].min-amount=50",
      "gateway.billing.top-up-bonus.tiers[0].percent=5",
      "gateway.billing.top-up-bonus.tiers[1].min-amount=100",
      "gateway.billing.top-up-bonus.tiers[1].percent=10"
    })
class TopUpsAndCodesApiTest {

  static final String ACCOUNT = "acct-codes-" + TestServices.REDIS_PREFIX;
  static final String SECRET = "whsec-codes-0123456789abcdef";
  static final long UNIT = 1_000_000_000L;

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
        AdminApiTest.client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
  }

  // --- bonuses ---

  @Test
  void anAdminTopUpGetsItsBonusOnceAsItsOwnLedgerEntry() throws Exception {
    String account = newAccount();
    String key = newKey(account);
    chat(key); // refused (402), and the account is in Redis from here on

    String invoice = "inv-" + account;
    JsonNode first = credit(account, "credit", "100", invoice);
    assertThat(first.path("bonus").decimalValue()).isEqualByComparingTo("10");
    assertThat(first.path("balance").decimalValue()).isEqualByComparingTo("110");
    JsonNode again = credit(account, "credit", "100", invoice);
    assertThat(again.path("repeated").asBoolean()).isTrue();
    assertThat(again.path("balance").decimalValue()).isEqualByComparingTo("110");

    JsonNode small = credit(account, "credit", "49.99", "small-" + account);
    assertThat(small.has("bonus")).isFalse();
    JsonNode adjustment = credit(account, "adjustment", "100", "fix-" + account);
    assertThat(adjustment.has("bonus")).as("only top-ups earn a bonus").isFalse();

    assertThat(
            query(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND category = 'bonus'"
                    + " AND type = 'credit' AND reference = ? AND amount_nanos = 10000000000",
                account,
                "bonus:admin:" + invoice))
        .isEqualTo(1);
    assertThat(query("SELECT balance_nanos FROM accounts WHERE id = ?", account))
        .isEqualTo(259_990_000_000L);
    assertThat(holds.account(account).block(Duration.ofSeconds(5)).balance())
        .isEqualTo(259_990_000_000L);
    // The bonus is in the trail, as a ledger move by the same actor.
    assertThat(
            query(
                "SELECT count(*) FROM audit_log WHERE target = ? AND action = 'account.ledger'"
                    + " AND after->>'category' = 'bonus' AND actor = 'admin:master-key'",
                account))
        .isEqualTo(1);
  }

  @Test
  void aPaymentGetsItsBonusOnceAndAReplayChangesNothing() throws Exception {
    String account = newAccount();
    String tx = "tx-" + UUID.randomUUID();
    String body =
        "{\"transaction_id\":\""
            + tx
            + "\",\"account_id\":\""
            + account
            + "\",\"amount\":\"60\",\"currency\":\"USD\",\"status\":\"succeeded\"}";
    assertThat(webhook(body)).isEqualTo(200);
    assertThat(webhook(body)).isEqualTo(200);
    assertThat(query("SELECT balance_nanos FROM accounts WHERE id = ?", account))
        .isEqualTo(63 * UNIT);
    assertThat(
            query(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND category = 'bonus'"
                    + " AND reference = ?",
                account,
                "bonus:payment:" + tx))
        .isEqualTo(1);
  }

  // --- codes ---

  @Test
  void twentyConcurrentRedeemsOfOneCodeCreditOnce() throws Exception {
    String account = newAccount();
    String key = newKey(account);
    chat(key); // refused (402), and the account is in Redis from here on
    credit(account, "credit", "1", "start-" + account);
    JsonNode created = createCodes("{\"amount\":\"5\",\"count\":1}").path("data").get(0);
    String code = created.path("code").asString();
    assertThat(created.path("prefix").asString()).isEqualTo(code.substring(0, 8));
    long before = holds.account(account).block(Duration.ofSeconds(5)).balance();

    HttpClient client =
        HttpClient.create(ConnectionProvider.create("redeem-test", 20))
            .headers(
                h ->
                    h.set("Authorization", "Bearer " + key)
                        .set("content-type", "application/json"));
    List<Answer> answers =
        Flux.range(0, 20)
            .flatMap(i -> redeem(client, code), 20)
            .collectList()
            .block(Duration.ofSeconds(30));
    assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(1);
    assertThat(answers)
        .filteredOn(a -> a.status() != 201)
        .hasSize(19)
        .allSatisfy(
            a -> {
              assertThat(a.status()).isEqualTo(409);
              assertThat(a.body().path("error").path("code").asString())
                  .isEqualTo("code_already_redeemed");
            });
    Answer won = answers.stream().filter(a -> a.status() == 201).findFirst().orElseThrow();
    assertThat(won.body().path("amount").decimalValue()).isEqualByComparingTo("5");
    assertThat(won.body().path("balance").decimalValue())
        .isEqualByComparingTo(BigDecimal.valueOf(before + 5 * UNIT, 9));

    assertThat(holds.account(account).block(Duration.ofSeconds(5)).balance())
        .isEqualTo(before + 5 * UNIT);
    assertThat(
            query(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND category = 'code'",
                account))
        .isEqualTo(1);
    assertThat(query("SELECT redeemed FROM redemption_codes WHERE id = ?", id(created)))
        .isEqualTo(1);
    assertThat(
            query(
                "SELECT count(*) FROM audit_log WHERE target = ? AND action = 'code.redeem'"
                    + " AND actor LIKE 'key:%'",
                id(created)))
        .isEqualTo(1);
  }

  @Test
  void wrongExpiredAndSpentCodesAre4xxAndCostNothing() throws Exception {
    String a = newAccount();
    String keyA = newKey(a);
    String keyB = newKey(newAccount());
    String keyC = newKey(newAccount());
    chat(keyA); // refused (402), and the account is in Redis from here on
    credit(a, "credit", "1", "start-" + a);
    long before = holds.account(a).block(Duration.ofSeconds(5)).balance();

    assertThat(redeem(keyA, "NOT-A-REAL-CODE")).isEqualTo(404);

    String shared =
        createCodes("{\"amount\":\"2\",\"codes\":[\"SHARED-" + a + "\"],\"max_redemptions\":2}")
            .path("data")
            .get(0)
            .path("code")
            .asString();
    assertThat(redeem(keyA, shared)).isEqualTo(201);
    assertThat(redeem(keyA, shared)).as("once per account").isEqualTo(409);
    assertThat(redeem(keyB, shared)).isEqualTo(201);
    assertThat(redeem(keyC, shared)).as("used up").isEqualTo(409);
    createCodesStatus("{\"amount\":\"2\",\"codes\":[\"SHARED-" + a + "\"]}", 409);

    String expiring =
        createCodes("{\"amount\":\"3\",\"expires_at\":\"" + Instant.now().plusMillis(1_500) + "\"}")
            .path("data")
            .get(0)
            .path("code")
            .asString();
    Thread.sleep(1_600);
    assertThat(redeem(keyA, expiring)).isEqualTo(410);

    assertThat(holds.account(a).block(Duration.ofSeconds(5)).balance())
        .as("only the shared code credited")
        .isEqualTo(before + 2 * UNIT);

    for (String bad :
        List.of(
            "{\"amount\":\"0\"}",
            "{\"count\":2}",
            "{\"amount\":\"1\",\"count\":1001}",
            "{\"amount\":\"1\",\"count\":1,\"codes\":[\"ABCDEFGHIJ\"]}",
            "{\"amount\":\"1\",\"codes\":[\"short\"]}",
            "{\"amount\":\"1\",\"expires_at\":\"2001-01-01T00:00:00Z\"}",
            "{\"amount\":\"1\",\"colour\":\"red\"}")) {
      createCodesStatus(bad, 400);
    }
    AdminApiTest.client(port)
        .post()
        .uri("/admin/codes")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"amount\":\"1\"}")
        .exchange()
        .expectStatus()
        .isUnauthorized();
  }

  record Answer(int status, JsonNode body) {}

  private static String id(JsonNode created) {
    return created.path("id").asString();
  }

  private Mono<Answer> redeem(HttpClient client, String code) {
    return client
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/redeem")
        .send(ByteBufMono.fromString(Mono.just("{\"code\":\"" + code + "\"}")))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("{}")
                    .map(s -> new Answer(response.status().code(), Json.MAPPER.readTree(s))));
  }

  private int redeem(String key, String code) {
    return redeem(
            HttpClient.create()
                .headers(
                    h ->
                        h.set("Authorization", "Bearer " + key)
                            .set("content-type", "application/json")),
            code)
        .block(Duration.ofSeconds(10))
        .status();
  }

  private int webhook(String body) {
    WebhookSignature signer = new WebhookSignature(SECRET, Clock.systemUTC());
    String t = Long.toString(System.currentTimeMillis() / 1000);
    String signature = "t=" + t + ",v1=" + signer.signHex(t, body.getBytes(StandardCharsets.UTF_8));
    return HttpClient.create()
        .headers(
            h -> h.set("content-type", "application/json").set(WebhookSignature.HEADER, signature))
        .post()
        .uri("http://127.0.0.1:" + port + "/webhooks/payments")
        .send(ByteBufMono.fromString(Mono.just(body)))
        .responseSingle((response, content) -> Mono.just(response.status().code()))
        .block(Duration.ofSeconds(10));
  }

  private void chat(String key) {
    AdminApiTest.client(port)
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(AdminApiTest.CHAT)
        .exchange()
        .expectStatus()
        .isEqualTo(402);
  }

  private JsonNode createCodes(String body) {
    return AdminApiTest.json(
        admin
            .post()
            .uri("/admin/codes")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isCreated());
  }

  private void createCodesStatus(String body, int status) {
    admin
        .post()
        .uri("/admin/codes")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(status);
  }

  private JsonNode credit(String account, String type, String amount, String reference) {
    return AdminApiTest.json(
        admin
            .post()
            .uri("/admin/accounts/" + account + "/credits")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"amount\":\""
                    + amount
                    + "\",\"reference\":\""
                    + reference
                    + "\",\"type\":\""
                    + type
                    + "\"}")
            .exchange()
            .expectStatus()
            .isCreated());
  }

  private String newAccount() {
    return AdminApiTest.json(
            admin
                .post()
                .uri("/admin/accounts")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\":\"c\",\"owner\":\"o-" + UUID.randomUUID() + "\"}")
                .exchange()
                .expectStatus()
                .isCreated())
        .path("id")
        .asString();
  }

  private String newKey(String account) {
    return AdminApiTest.json(
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
  }

  private static long query(String sql, String... args) throws Exception {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        assertThat(r.next()).isTrue();
        return r.getLong(1);
      }
    }
  }
}
