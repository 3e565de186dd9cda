package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.allowance.AllowanceRenewer;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.OutboxFlusher;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
 * Subscription allowances renew every period, through the real admin API and data plane: an account
 * created with a daily plan spends part of its allowance, a day and more passes (its period is
 * moved back in both stores), and one run of the renewal job gives it the full allowance again in
 * Redis and in PostgreSQL, which a charge made before the renewal but written to PostgreSQL after
 * it does not reduce. The context has a Redis prefix of its own, so that only its flusher reads its
 * outbox and the test decides when charges reach PostgreSQL.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.admin.master-key=" + AllowanceRenewalTest.MASTER_KEY})
class AllowanceRenewalTest {

  static final String MASTER_KEY = "admin-master-key-allowance-0123456789";
  static final String DEMO = "acct-allowance-demo-" + TestServices.REDIS_PREFIX;
  static final long ALLOWANCE = 100_000; // 0.0001
  static final long CHAT_COST = BillingTestSupport.cost(BillingTestSupport.PROMPT_TOKENS, 10);
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, DEMO);
    registry.add("gateway.billing.redis-prefix", () -> TestServices.REDIS_PREFIX + "-allowance");
    registry.add("gateway.billing.allowance-renewal-initial-delay", () -> "24h");
  }

  @LocalServerPort int port;
  @Autowired AllowanceRenewalJob job;
  @Autowired OutboxFlusher flusher;
  @Autowired RedisConnections redis;
  @Autowired BillingKeys keys;
  @Autowired Billing billing;
  @Autowired AccountRepository accounts;

  WebTestClient admin() {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .defaultHeader("Authorization", "Bearer " + MASTER_KEY)
        .build();
  }

  JsonNode call(WebTestClient.RequestHeadersSpec<?> spec, int status) {
    byte[] body =
        spec.exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody()
            .returnResult()
            .getResponseBody();
    assertThat(body).isNotNull();
    return Json.MAPPER.readTree(body);
  }

  JsonNode post(String uri, String json, int status) {
    return call(
        admin().post().uri(uri).contentType(MediaType.APPLICATION_JSON).bodyValue(json), status);
  }

  JsonNode account(String id) {
    return call(admin().get().uri("/admin/accounts/" + id), 200);
  }

  void chat(String key) {
    WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .build()
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"paid\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .exchange()
        .expectStatus()
        .isOk();
  }

  /** The allowance left, as GET /admin/accounts/{id} shows it (Redis when cached), in nanos. */
  long shownAllowanceLeft(String id) {
    return account(id).path("allowance_left").decimalValue().movePointRight(9).longValueExact();
  }

  long redisAllowanceLeft(String id) {
    return Long.parseLong(redis.sync().hget(keys.account(id), "sub_left"));
  }

  static long pg(String column, String id) {
    return BillingTestSupport.queryLong("SELECT " + column + " FROM accounts WHERE id = ?", id);
  }

  static long pgPeriodMs(String id) {
    return pg("(extract(epoch FROM period_started_at) * 1000)::bigint", id);
  }

  /** The settlement follows the response asynchronously: waits for Redis's allowance left. */
  void awaitRedis(String id, long subLeft) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    String seen = null;
    while (System.nanoTime() < deadline) {
      seen = redis.sync().hget(keys.account(id), "sub_left");
      if (Long.toString(subLeft).equals(seen)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("sub_left of " + id + ": " + seen + " (expected: " + subLeft + ")");
  }

  @Test
  void anEndedPeriodIsRenewedInBothStoresAndAnOldChargeWrittenLateDoesNotEatTheNewAllowance()
      throws Exception {
    JsonNode created =
        post(
            "/admin/accounts",
            "{\"name\":\"Plan\",\"owner\":\"u-allowance\","
                + "\"plan\":{\"allowance\":\"0.0001\",\"period\":\"P1D\"}}",
            201);
    String id = created.path("id").asString();
    String key = post("/admin/accounts/" + id + "/keys", "{}", 201).path("key").asString();
    long started = pgPeriodMs(id);
    assertThat(Instant.ofEpochMilli(started))
        .as("a plan's first period starts at creation")
        .isBetween(Instant.now().minus(Duration.ofMinutes(1)), Instant.now());

    // Part of the allowance is spent and written to PostgreSQL.
    chat(key);
    awaitRedis(id, ALLOWANCE - CHAT_COST);
    BillingTestSupport.awaitFlushed(id, 1);
    assertThat(pg("allowance_left_nanos", id)).isEqualTo(ALLOWANCE - CHAT_COST);

    // Two days pass: the period started two days ago, in both stores.
    long twoDays = Duration.ofDays(2).toMillis();
    BillingTestSupport.queryLong(
        "WITH moved AS (UPDATE accounts SET period_started_at = period_started_at - interval '2 days',"
            + " period_anchor_at = period_anchor_at - interval '2 days',"
            + " period_ends_at = period_started_at - interval '1 day'"
            + " WHERE id = ? RETURNING 1) SELECT count(*) FROM moved",
        id);
    redis.sync().hset(keys.account(id), "sub_period", Long.toString(started - twoDays));

    // A charge of the old period, settled in Redis but not yet written to PostgreSQL.
    flusher.stop();
    try {
      chat(key);
      awaitRedis(id, ALLOWANCE - 2 * CHAT_COST);

      AllowanceRenewer.Report report = job.renewOnce().block(TIMEOUT);
      assertThat(report).isNotNull();
      assertThat(report.renewed()).isGreaterThanOrEqualTo(1);
      assertThat(report.failed()).isZero();

      assertThat(shownAllowanceLeft(id)).as("GET shows the full allowance").isEqualTo(ALLOWANCE);
      assertThat(redisAllowanceLeft(id)).isEqualTo(ALLOWANCE);
      assertThat(pg("allowance_left_nanos", id)).isEqualTo(ALLOWANCE);
      assertThat(pgPeriodMs(id))
          .as("the period containing now: two days on from the moved-back start")
          .isEqualTo(started);
      assertThat(account(id).path("plan").path("period_started_at").asString())
          .isEqualTo(Instant.ofEpochMilli(started).toString());

      assertThat(flusher.flushOnce().block(TIMEOUT)).isEqualTo(1);
    } finally {
      flusher.start();
    }
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ?", id))
        .isEqualTo(2);
    assertThat(pg("allowance_left_nanos", id))
        .as("the old period's charge, written after the renewal, leaves the new allowance")
        .isEqualTo(ALLOWANCE);
    assertThat(pg("balance_nanos", id)).isZero();
    assertThat(shownAllowanceLeft(id)).isEqualTo(ALLOWANCE);

    AllowanceRenewer.Report again = job.renewOnce().block(TIMEOUT);
    assertThat(again).isNotNull();
    assertThat(again.renewed()).as("a second run changes nothing").isZero();
    assertThat(shownAllowanceLeft(id)).isEqualTo(ALLOWANCE);
    assertThat(pg("allowance_left_nanos", id)).isEqualTo(ALLOWANCE);
    assertThat(pgPeriodMs(id)).isEqualTo(started);

    // The new period's charges are taken from both stores' allowance.
    chat(key);
    awaitRedis(id, ALLOWANCE - CHAT_COST);
    BillingTestSupport.awaitFlushed(id, 3);
    assertThat(pg("allowance_left_nanos", id)).isEqualTo(ALLOWANCE - CHAT_COST);
  }

  @Test
  void aLoadThatReadTheAccountJustBeforeARenewalCommittedEndsOnTheNewPeriod() throws Exception {
    String id =
        post(
                "/admin/accounts",
                "{\"name\":\"Plan\",\"owner\":\"u-allowance-load\","
                    + "\"plan\":{\"allowance\":\"0.0001\",\"period\":\"P1D\"}}",
                201)
            .path("id")
            .asString();
    String key = post("/admin/accounts/" + id + "/keys", "{}", 201).path("key").asString();
    chat(key);
    awaitRedis(id, ALLOWANCE - CHAT_COST);
    BillingTestSupport.awaitFlushed(id, 1);
    long started = pgPeriodMs(id);
    BillingTestSupport.queryLong(
        "WITH moved AS (UPDATE accounts SET period_started_at = period_started_at - interval '2 days',"
            + " period_anchor_at = period_anchor_at - interval '2 days',"
            + " period_ends_at = period_started_at - interval '1 day'"
            + " WHERE id = ? RETURNING 1) SELECT count(*) FROM moved",
        id);

    // A request finds the account missing in Redis and reads it from PostgreSQL ...
    redis.sync().del(keys.account(id));
    AccountRow read = accounts.find(id).block(TIMEOUT);
    assertThat(read).isNotNull();
    // ... the renewal commits meanwhile, and its Redis step finds no hash to renew ...
    assertThat(job.renewOnce().block(TIMEOUT)).isNotNull();
    assertThat(pg("allowance_left_nanos", id)).isEqualTo(ALLOWANCE);
    assertThat(redis.sync().exists(keys.account(id))).isZero();
    // ... and then the request caches what it read: the old period, partly spent.
    assertThat(((RedisBilling) billing).cache(read, Map.of()).block(TIMEOUT)).isTrue();

    assertThat(redisAllowanceLeft(id)).as("renewed by the load itself").isEqualTo(ALLOWANCE);
    assertThat(redis.sync().hget(keys.account(id), "sub_period")).isEqualTo(Long.toString(started));
    assertThat(shownAllowanceLeft(id)).isEqualTo(ALLOWANCE);
  }

  @Test
  void badRenewalSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> properties(Duration.ZERO, Duration.ZERO))
        .hasMessage("gateway.billing.allowance-renewal-interval: PT0S (expected: > 0)");
    assertThatThrownBy(() -> properties(Duration.ofMinutes(1), Duration.ofSeconds(-1)))
        .hasMessage("gateway.billing.allowance-renewal-initial-delay: PT-1S (expected: >= 0)");
  }

  static BillingProperties properties(Duration interval, Duration initialDelay) {
    return new BillingProperties(
        true,
        "gw",
        64,
        Duration.ofMinutes(10),
        1024,
        80,
        new BillingProperties.Demo("demo", "Demo", "1.00"),
        new BillingProperties.Flusher(500, Duration.ofMillis(100), Duration.ofSeconds(60)),
        Duration.ofSeconds(30),
        null,
        "USD",
        interval,
        initialDelay,
        256);
  }

  @Test
  void aPlanWhosePeriodIsNotPositiveIsRefused() {
    JsonNode answer =
        post(
            "/admin/accounts",
            "{\"name\":\"n\",\"owner\":\"u\",\"plan\":{\"allowance\":\"1\",\"period\":\"P0D\"}}",
            400);
    assertThat(answer.path("error").path("message").asString()).contains("plan.period");
  }
}
