package dev.tollgate.gateway.payments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.PaymentRepository;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/** {@code POST /webhooks/payments} and the reconciler, against the local Redis and PostgreSQL. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.billing.demo.balance=1.00",
      "gateway.billing.currency=EUR",
      "gateway.billing.reaper-interval=1h",
      "gateway.payments.reconcile-interval=1h",
      "logging.level.dev.tollgate.usage=WARN"
    })
class PaymentWebhookTest {

  static final String ACCOUNT = "acct-payments-" + TestServices.REDIS_PREFIX;
  static final String SECRET = "whsec-test-0123456789abcdef";

  /** Billing's properties as {@code BillingTestSupport.billingProperties} sets them. */
  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", () -> TestServices.REDIS_URL);
    registry.add("spring.r2dbc.url", TestServices::r2dbcUrl);
    registry.add("gateway.billing.redis-prefix", () -> TestServices.REDIS_PREFIX);
    registry.add("gateway.billing.demo.id", () -> ACCOUNT);
    registry.add("gateway.payments.webhook-secret", () -> SECRET);
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;
  @Autowired PaymentRepository payments;
  @Autowired PaymentReconciler reconciler;

  private final WebhookSignature signer = new WebhookSignature(SECRET, Clock.systemUTC());

  record Answer(int status, JsonNode body) {}

  @BeforeEach
  void cacheTheAccount() {
    if (holds.account(ACCOUNT).block(Duration.ofSeconds(5)) == null) {
      holds.loadAccount(ACCOUNT, pgBalance(ACCOUNT), 0, 0, "active").block(Duration.ofSeconds(5));
    }
  }

  @Test
  void aSucceededPaymentCreditsOnceAndAReplayChangesNothing() {
    String tx = tx();
    long pgBefore = pgBalance(ACCOUNT);
    long redisBefore = redisBalance(ACCOUNT);
    String body = notice(tx, ACCOUNT, "\"12.50\"", "succeeded");

    Answer first = post(body, signed(body));
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body().path("received").asBoolean()).isTrue();
    assertThat(first.body().path("transaction_id").asString()).isEqualTo(tx);
    assertThat(first.body().path("repeated").asBoolean()).isFalse();
    assertThat(pgBalance(ACCOUNT)).isEqualTo(pgBefore + 12_500_000_000L);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore + 12_500_000_000L);
    assertThat(
            queryLong(
                "SELECT amount_nanos FROM ledger_entries WHERE account_id = ? AND type = 'credit'"
                    + " AND category = 'topup' AND reference = ?",
                ACCOUNT,
                tx))
        .isEqualTo(12_500_000_000L);
    assertThat(applied(tx)).isTrue();

    Answer again = post(body, signed(body));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().path("repeated").asBoolean()).isTrue();
    assertThat(pgBalance(ACCOUNT)).isEqualTo(pgBefore + 12_500_000_000L);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore + 12_500_000_000L);
    assertThat(queryLong("SELECT count(*) FROM ledger_entries WHERE reference = ?", tx))
        .isEqualTo(1);
    // Recorded once in the audit trail, by the webhook, without its signature.
    assertThat(
            queryLong(
                "SELECT count(*) FROM audit_log WHERE actor = 'webhook:payments'"
                    + " AND action = 'payment.record' AND after->>'transaction_id' = ?",
                tx))
        .isEqualTo(1);
    assertThat(
            queryLong(
                "SELECT count(*) FROM audit_log, jsonb_object_keys(after) AS k"
                    + " WHERE after->>'transaction_id' = ? AND k NOT IN"
                    + " ('transaction_id', 'status', 'amount_nanos', 'currency', 'refused')",
                tx))
        .isZero();
  }

  @Test
  void aJsonNumberAmountIsReadExactly() {
    String tx = tx();
    long redisBefore = redisBalance(ACCOUNT);
    String body = notice(tx, ACCOUNT, "0.100000001", "succeeded");

    assertThat(post(body, signed(body)).status()).isEqualTo(200);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore + 100_000_001L);
  }

  @Test
  void aRefundDebitsBack() {
    String tx = tx();
    long pgBefore = pgBalance(ACCOUNT);
    long redisBefore = redisBalance(ACCOUNT);
    String body = notice(tx, ACCOUNT, "\"0.25\"", "refunded");

    assertThat(post(body, signed(body)).status()).isEqualTo(200);
    assertThat(pgBalance(ACCOUNT)).isEqualTo(pgBefore - 250_000_000L);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore - 250_000_000L);
    assertThat(
            queryLong(
                "SELECT amount_nanos FROM ledger_entries WHERE type = 'debit' AND reference = ?",
                PaymentRepository.REFUND_REFERENCE_PREFIX + tx))
        .isEqualTo(250_000_000L);
    assertThat(applied(tx)).isTrue();
  }

  @Test
  void aFailedPaymentIsOnlyRecorded() {
    String tx = tx();
    long pgBefore = pgBalance(ACCOUNT);
    long redisBefore = redisBalance(ACCOUNT);
    String body = notice(tx, ACCOUNT, "\"5\"", "failed");

    assertThat(post(body, signed(body)).status()).isEqualTo(200);
    assertThat(queryString("SELECT status FROM payments WHERE provider_transaction_id = ?", tx))
        .isEqualTo("failed");
    assertThat(pgBalance(ACCOUNT)).isEqualTo(pgBefore);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore);
    assertThat(queryLong("SELECT count(*) FROM ledger_entries WHERE reference = ?", tx)).isZero();
  }

  @Test
  void badSignaturesAreRefusedAndRecordNothing() {
    String tx = tx();
    String body = notice(tx, ACCOUNT, "\"1.00\"", "succeeded");
    long now = System.currentTimeMillis() / 1000;

    String otherSecret =
        "t="
            + now
            + ",v1="
            + new WebhookSignature("another-secret", Clock.systemUTC())
                .signHex(Long.toString(now), body.getBytes(StandardCharsets.UTF_8));
    String otherBody =
        "t="
            + now
            + ",v1="
            + signer.signHex(Long.toString(now), "{}".getBytes(StandardCharsets.UTF_8));
    String stale = signedAt(body, now - 6 * 60);
    String future = signedAt(body, now + 6 * 60);

    for (String header :
        new String[] {otherSecret, otherBody, stale, future, "t=" + now, "v1=00"}) {
      Answer answer = post(body, header);
      assertThat(answer.status()).as(header).isEqualTo(401);
      assertThat(answer.body().path("error").path("code").asString())
          .isEqualTo("invalid_signature");
    }
    assertThat(post(body, null).status()).isEqualTo(401);
    assertThat(queryLong("SELECT count(*) FROM payments WHERE provider_transaction_id = ?", tx))
        .isZero();
  }

  @Test
  void badNoticesAre400() {
    String tx = tx();
    String[] bodies = {
      "{\"transaction_id\":",
      "[1]",
      "{\"transaction_id\":\"" + tx + "\",\"account_id\":\"" + ACCOUNT + "\",\"amount\":\"1\"}",
      notice(tx, ACCOUNT, "\"-1.00\"", "succeeded"),
      notice(tx, ACCOUNT, "-1.00", "succeeded"),
      notice(tx, ACCOUNT, "\"1.0000000001\"", "succeeded"),
      notice(tx, ACCOUNT, "0.0000000001", "succeeded"),
      notice(tx, ACCOUNT, "\"0\"", "succeeded"),
      notice(tx, ACCOUNT, "\"ten\"", "succeeded"),
      notice(tx, ACCOUNT, "\"1.00\"", "pending"),
      notice(tx, ACCOUNT, "\"1.00\"", "succeeded").replace("\"EUR\"", "\"euro\""),
      notice(tx, ACCOUNT, "\"\u0661\u0662\"", "succeeded"),
      notice(tx, ACCOUNT, "\"1e3\"", "succeeded"),
      notice(tx, ACCOUNT, "1e3", "succeeded"),
      notice(tx, ACCOUNT, "\" 12\"", "succeeded"),
      notice(tx, ACCOUNT, "\"+12\"", "succeeded"),
      notice(tx, ACCOUNT, "\"9223372036.854775808\"", "succeeded"),
      notice(tx, ACCOUNT, "92233720368547758070", "succeeded"),
      notice(tx + "\\u0000", ACCOUNT, "\"1.00\"", "succeeded"),
      notice(tx + "\\n", ACCOUNT, "\"1.00\"", "succeeded"),
      notice("x".repeat(201), ACCOUNT, "\"1.00\"", "succeeded"),
      notice(tx, ACCOUNT + "\\u0000", "\"1.00\"", "succeeded"),
    };
    for (String body : bodies) {
      Answer answer = post(body, signed(body));
      assertThat(answer.status()).as(body).isEqualTo(400);
      assertThat(answer.body().path("error").path("type").asString())
          .isEqualTo("invalid_request_error");
    }
    assertThat(queryLong("SELECT count(*) FROM payments WHERE provider_transaction_id = ?", tx))
        .isZero();
  }

  @Test
  void aNoticeInAnotherCurrencyIsRefusedAndRecordedSoThatARetryIsRefusedToo() {
    String tx = tx();
    long pgBefore = pgBalance(ACCOUNT);
    long redisBefore = redisBalance(ACCOUNT);
    String body = notice(tx, ACCOUNT, "\"1000\"", "succeeded").replace("\"EUR\"", "\"JPY\"");

    for (int attempt = 0; attempt < 2; attempt++) {
      Answer answer = post(body, signed(body));
      assertThat(answer.status()).as("attempt %d", attempt).isEqualTo(422);
      JsonNode error = answer.body().path("error");
      assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
      assertThat(error.path("code").asString()).isEqualTo("currency_mismatch");
      assertThat(error.path("param").asString()).isEqualTo("currency");
      assertThat(error.path("message").asString()).contains("'JPY'", "(expected: EUR");
    }
    assertThat(pgBalance(ACCOUNT)).isEqualTo(pgBefore);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore);
    assertThat(queryLong("SELECT count(*) FROM ledger_entries WHERE reference = ?", tx)).isZero();
    assertThat(queryString("SELECT refusal FROM payments WHERE provider_transaction_id = ?", tx))
        .isEqualTo(PaymentRepository.CURRENCY_MISMATCH);
    assertThat(applied(tx)).isFalse();
    // the reconciler never applies it either
    reconciler.reconcileOnce().block(Duration.ofSeconds(10));
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore);
    assertThat(applied(tx)).isFalse();
  }

  @Test
  void anAmountThatWouldTakeTheBalancePastTheRangeIs400AndRecordsNothing() {
    String tx = tx();
    long pgBefore = pgBalance(ACCOUNT);
    String body = notice(tx, ACCOUNT, "\"9223372036.854775807\"", "succeeded");

    Answer answer = post(body, signed(body));
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body().path("error").path("param").asString()).isEqualTo("amount");
    assertThat(pgBalance(ACCOUNT)).isEqualTo(pgBefore);
    assertThat(queryLong("SELECT count(*) FROM payments WHERE provider_transaction_id = ?", tx))
        .isZero();
  }

  @Test
  void anUnknownAccountIs404() {
    String tx = tx();
    String body = notice(tx, "acct-nobody-" + TestServices.REDIS_PREFIX, "\"1.00\"", "succeeded");

    Answer answer = post(body, signed(body));
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.body().path("error").path("code").asString()).isEqualTo("account_not_found");
    assertThat(queryLong("SELECT count(*) FROM payments WHERE provider_transaction_id = ?", tx))
        .isZero();
  }

  @Test
  void aPaymentToAnAccountNotInRedisReachesItWhenLoaded() {
    String other = "acct-cold-" + TestServices.REDIS_PREFIX;
    execute("INSERT INTO accounts (id, name, balance_nanos) VALUES (?, 'cold', 1000000000)", other);
    String tx = tx();
    String body = notice(tx, other, "\"2\"", "succeeded");

    assertThat(post(body, signed(body)).status()).isEqualTo(200);
    assertThat(holds.account(other).block(Duration.ofSeconds(5))).isNull();
    assertThat(applied(tx)).isTrue();
    assertThat(pgBalance(other)).isEqualTo(3_000_000_000L);

    // loaded later from PostgreSQL: the credit is in the loaded balance, and never added again
    holds.loadAccount(other, pgBalance(other), 0, 0, "active").block(Duration.ofSeconds(5));
    assertThat(reconciler.reconcileOnce().block(Duration.ofSeconds(10))).isZero();
    assertThat(post(body, signed(body)).body().path("repeated").asBoolean()).isTrue();
    assertThat(redisBalance(other)).isEqualTo(3_000_000_000L);
  }

  @Test
  void theReconcilerAppliesAPaymentThatNeverReachedRedisOnce() {
    String tx = tx();
    long redisBefore = redisBalance(ACCOUNT);
    // the gateway died after the PostgreSQL commit, before the Redis credit
    payments.record(tx, ACCOUNT, 3_000_000_000L, "EUR", "succeeded").block(Duration.ofSeconds(5));
    assertThat(applied(tx)).isFalse();
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore);

    assertThat(reconciler.reconcileOnce().block(Duration.ofSeconds(10))).isEqualTo(1);
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore + 3_000_000_000L);
    assertThat(applied(tx)).isTrue();

    assertThat(reconciler.reconcileOnce().block(Duration.ofSeconds(10))).isZero();
    assertThat(redisBalance(ACCOUNT)).isEqualTo(redisBefore + 3_000_000_000L);
  }

  private static String tx() {
    return "tx_" + UUID.randomUUID();
  }

  private static String notice(String tx, String account, String amount, String status) {
    return "{\"transaction_id\":\""
        + tx
        + "\",\"account_id\":\""
        + account
        + "\",\"amount\":"
        + amount
        + ",\"currency\":\"EUR\",\"status\":\""
        + status
        + "\"}";
  }

  private String signed(String body) {
    return signedAt(body, System.currentTimeMillis() / 1000);
  }

  private String signedAt(String body, long seconds) {
    String t = Long.toString(seconds);
    return "t=" + t + ",v1=" + signer.signHex(t, body.getBytes(StandardCharsets.UTF_8));
  }

  private Answer post(String body, String signature) {
    return HttpClient.create()
        .headers(
            h -> {
              h.set("content-type", "application/json");
              if (signature != null) {
                h.set(WebhookSignature.HEADER, signature);
              }
            })
        .post()
        .uri("http://127.0.0.1:" + port + "/webhooks/payments")
        .send(ByteBufMono.fromString(Mono.just(body)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("{}")
                    .map(s -> new Answer(response.status().code(), Json.MAPPER.readTree(s))))
        .block(Duration.ofSeconds(10));
  }

  private long redisBalance(String account) {
    AccountState state = holds.account(account).block(Duration.ofSeconds(5));
    assertThat(state).as("account %s in Redis", account).isNotNull();
    return state.balance();
  }

  private static boolean applied(String tx) {
    return "t"
        .equals(
            queryString(
                "SELECT applied_to_redis FROM payments WHERE provider_transaction_id = ?", tx));
  }

  private static long pgBalance(String account) {
    return queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", account);
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
  }

  private static void execute(String sql, Object... args) {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static long queryLong(String sql, Object... args) {
    String value = queryString(sql, args);
    return value == null ? 0 : Long.parseLong(value);
  }

  private static String queryString(String sql, Object... args) {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
