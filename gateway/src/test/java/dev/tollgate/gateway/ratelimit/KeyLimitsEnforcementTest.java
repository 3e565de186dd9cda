package dev.tollgate.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/**
 * A key's limits enforced on {@code /v1/chat/completions}, with keys made through the admin API and
 * billing on: allowed models, requests and tokens per minute, concurrent requests.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.admin.master-key=" + KeyLimitsEnforcementTest.MASTER_KEY})
class KeyLimitsEnforcementTest {

  static final String MASTER_KEY = "limits-master-key-0123456789";
  static final String ACCOUNT = "acct-limits-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;
  @Autowired BillingKeys billingKeys;
  @Autowired RedisConnections redis;

  WebTestClient admin;

  @BeforeEach
  void adminClient() {
    admin = client().mutate().defaultHeader("Authorization", "Bearer " + MASTER_KEY).build();
  }

  @Test
  void theThirdRequestOfAnRpm2KeyIs429WithRetryAfterAndRateLimitHeaders() {
    String key = newKey("{\"limits\":{\"rpm\":2}}");

    EntityExchangeResult<byte[]> first = chat(key, chatBody("paid", 10, false), 200);
    assertThat(header(first, "x-ratelimit-limit-requests")).isEqualTo("2");
    assertThat(header(first, "x-ratelimit-remaining-requests")).isEqualTo("1");
    assertThat(header(first, "x-ratelimit-reset-requests")).isNotBlank();
    assertThat(first.getResponseHeaders().containsHeader("x-ratelimit-limit-tokens")).isFalse();
    assertThat(
            header(chat(key, chatBody("paid", 10, false), 200), "x-ratelimit-remaining-requests"))
        .isEqualTo("0");

    // The headers are set before the error is signalled, and survive OpenAiErrorHandler.
    EntityExchangeResult<byte[]> third = chat(key, chatBody("paid", 10, false), 429);
    assertThat(header(third, "x-ratelimit-limit-requests")).isEqualTo("2");
    assertThat(header(third, "x-ratelimit-remaining-requests")).isEqualTo("0");
    assertThat(Long.parseLong(header(third, "Retry-After"))).isBetween(1L, 60L);
    JsonNode error = Json.MAPPER.readTree(third.getResponseBody()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("requests");
    assertThat(error.path("code").asString()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("message").asString()).contains("RPM").contains("Limit 2");
  }

  @Test
  void aTpmKeyIsRefusedOnTheEstimateAndGetsBackWhatItDidNotUse() throws InterruptedException {
    // The prompt counts 8 tokens; the mock model answers 10: 18 used per request.
    String small = newKey("{\"limits\":{\"tpm\":20}}");
    EntityExchangeResult<byte[]> ok = chat(small, chatBody("paid", 10, false), 200);
    assertThat(header(ok, "x-ratelimit-limit-tokens")).isEqualTo("20");
    assertThat(header(ok, "x-ratelimit-remaining-tokens")).isEqualTo("2");
    EntityExchangeResult<byte[]> refused = chat(small, chatBody("paid", 10, false), 429);
    assertThat(header(refused, "x-ratelimit-limit-tokens")).isEqualTo("20");
    assertThat(header(refused, "Retry-After")).isNotBlank();
    JsonNode error = Json.MAPPER.readTree(refused.getResponseBody()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("tokens");
    assertThat(error.path("message").asString()).contains("TPM");

    // Estimate 8 + 40 = 48 of 50; used 18, so 30 come back after the request.
    String corrected = newKey("{\"limits\":{\"tpm\":50}}");
    chat(corrected, chatBody("paid", 40, false), 200);
    // Estimate 8 + 20 = 28: refused without the correction (2 left), allowed with it (32).
    awaitStatus(corrected, chatBody("paid", 20, false), 200, Duration.ofSeconds(5));
  }

  @Test
  void aSecondConcurrentStreamIs429AndASlotFreesWhenAStreamEndsOrIsCancelled()
      throws InterruptedException {
    String key = newKey("{\"limits\":{\"max_concurrent\":1,\"tpm\":1000}}");

    // Cancelled by the client mid-stream.
    Disposable slow = openStream(key); // takes 8 + 400 of the 1 000 tokens
    // Each refused request's 508 tokens fit, are taken, and given back when it is refused: twice
    // 508 would not fit in 592 otherwise (a tokens 429 instead of a streams one).
    for (int i = 0; i < 2; i++) {
      EntityExchangeResult<byte[]> refused = chat(key, chatBody("paid", 500, false), 429);
      JsonNode error = Json.MAPPER.readTree(refused.getResponseBody()).path("error");
      assertThat(error.path("code").asString()).isEqualTo("too_many_streams");
    }
    slow.dispose();
    // Well before the 4 s the slow stream would take to end by itself.
    awaitStatus(key, chatBody("paid", 10, false), 200, Duration.ofSeconds(1));

    // Finished normally (a short stream, read to its end).
    chat(key, chatBody("paid", 10, true), 200);
    awaitStatus(key, chatBody("paid", 10, false), 200, Duration.ofSeconds(5));
    // The last request's slot is given back just after its response: no lease is left behind.
    String streams = TestServices.REDIS_PREFIX + ":rl:{" + keyId + "}:streams";
    long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    while (redis.sync().zcard(streams) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(redis.sync().zcard(streams)).isZero();
  }

  @Test
  void aModelOutsideTheKeysListIs403BeforeAnythingIsReserved() {
    String account = newAccount();
    String key = newKey(account, "{\"limits\":{\"models\":[\"paid\"]}}");
    EntityExchangeResult<byte[]> refused = chat(key, chatBody("paid-long", 10, false), 403);
    JsonNode error = Json.MAPPER.readTree(refused.getResponseBody()).path("error");
    assertThat(error.path("code").asString()).isEqualTo("model_not_allowed");
    assertThat(error.path("param").asString()).isEqualTo("model");
    assertThat(error.path("type").asString()).isEqualTo("permission_error");
    // Nothing was reserved: the account was never even loaded into Redis.
    assertThat(holds.account(account).block(Duration.ofSeconds(5))).isNull();
    chat(key, chatBody("paid", 10, false), 200);
  }

  @Test
  void aKeyIsRefused403OnceItsSpendCapIsReached() {
    // Each request reserves and costs 8 prompt + 10 output tokens: 28 000 nano-units.
    long each = BillingTestSupport.cost(BillingTestSupport.PROMPT_TOKENS, 10);
    String account = newAccount();
    String key = newKey(account, "{\"limits\":{\"spend_cap\":\"0.00007\"}}");
    String capped = keyId;
    chat(key, chatBody("paid", 10, false), 200);
    chat(key, chatBody("paid", 10, false), 200);
    EntityExchangeResult<byte[]> refused = chat(key, chatBody("paid", 10, false), 403);
    JsonNode error = Json.MAPPER.readTree(refused.getResponseBody()).path("error");
    assertThat(error.path("code").asString()).isEqualTo("spend_cap_reached");
    assertThat(error.path("type").asString()).isEqualTo("permission_error");
    assertThat(holds.keySpent(account, capped).block(Duration.ofSeconds(5)))
        .isLessThanOrEqualTo(2 * each);
    // The account still pays for its other keys.
    chat(newKey(account, "{}"), chatBody("paid", 10, false), 200);
  }

  @Test
  void aKeysSpendCapHoldsAfterRedisLostItsAccount() throws Exception {
    long each = BillingTestSupport.cost(BillingTestSupport.PROMPT_TOKENS, 10);
    String account = newAccount();
    String key = newKey(account, "{\"limits\":{\"spend_cap\":\"0.00007\"}}");
    String capped = keyId;
    chat(key, chatBody("paid", 10, false), 200);
    chat(key, chatBody("paid", 10, false), 200);
    // Both charges reach PostgreSQL (the flusher), with the key's total spend.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (pgKeySpent(capped) < 2 * each && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(pgKeySpent(capped)).isEqualTo(2 * each);

    // Redis loses the account (a restart without persistence, an eviction by mistake).
    assertThat(redis.sync().del(billingKeys.account(account))).isEqualTo(1);

    // Reloaded from PostgreSQL with what the key spent: the cap still refuses the third request.
    EntityExchangeResult<byte[]> refused = chat(key, chatBody("paid", 10, false), 403);
    JsonNode error = Json.MAPPER.readTree(refused.getResponseBody()).path("error");
    assertThat(error.path("code").asString()).isEqualTo("spend_cap_reached");
    assertThat(holds.keySpent(account, capped).block(Duration.ofSeconds(5))).isEqualTo(2 * each);
    // The account itself still pays for another key.
    chat(newKey(account, "{}"), chatBody("paid", 10, false), 200);
  }

  static long pgKeySpent(String keyId) throws SQLException {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement("SELECT spent_nanos FROM api_keys WHERE id = ?")) {
      s.setString(1, keyId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }

  @Test
  void aKeyWithoutLimitsIsUntouched() {
    String key = newKey("{}");
    for (int i = 0; i < 3; i++) {
      EntityExchangeResult<byte[]> ok = chat(key, chatBody("paid", 10, false), 200);
      assertThat(ok.getResponseHeaders().containsHeader("x-ratelimit-limit-requests")).isFalse();
      assertThat(ok.getResponseHeaders().containsHeader("x-ratelimit-limit-tokens")).isFalse();
    }
    assertThat(redis.sync().keys(TestServices.REDIS_PREFIX + ":rl:{" + keyId + "}*")).isEmpty();
  }

  // --- helpers ---

  /** The id of the key {@link #newKey} made last. */
  String keyId;

  String newAccount() {
    String id = post("/admin/accounts", "{\"name\":\"t\",\"owner\":\"o\"}").path("id").asString();
    post(
        "/admin/accounts/" + id + "/credits",
        "{\"amount\":\"10.00\",\"reference\":\"init-" + id + "\",\"type\":\"credit\"}");
    return id;
  }

  String newKey(String body) {
    return newKey(newAccount(), body);
  }

  String newKey(String accountId, String body) {
    JsonNode created = post("/admin/accounts/" + accountId + "/keys", body);
    keyId = created.path("id").asString();
    return created.path("key").asString();
  }

  static String chatBody(String model, int maxTokens, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":"
        + maxTokens
        + ",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  EntityExchangeResult<byte[]> chat(String key, String body, int status) {
    return client()
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(status)
        .expectBody()
        .returnResult();
  }

  /** Releases and corrections follow the response asynchronously: retries until it answers so. */
  void awaitStatus(String key, String body, int status, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      last =
          client()
              .post()
              .uri("/v1/chat/completions")
              .header("Authorization", "Bearer " + key)
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(body)
              .exchange()
              .returnResult(byte[].class)
              .getStatus()
              .value();
      if (last == status) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("expected " + status + " within " + within + ", last " + last);
  }

  /** A slow stream (400 tokens, 10 ms apart) that has started delivering; dispose to cancel. */
  Disposable openStream(String key) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    Disposable stream =
        HttpClient.newConnection()
            .headers(
                h ->
                    h.set("Authorization", "Bearer " + key).set("content-type", "application/json"))
            .post()
            .uri("http://127.0.0.1:" + port + "/v1/chat/completions")
            .send(ByteBufMono.fromString(Mono.just(chatBody("paid-long", 400, true))))
            .responseContent()
            .asString(StandardCharsets.UTF_8)
            .subscribe(chunk -> started.countDown());
    assertThat(started.await(10, TimeUnit.SECONDS)).as("the slow stream started").isTrue();
    return stream;
  }

  JsonNode post(String uri, String body) {
    byte[] answer =
        admin
            .post()
            .uri(uri)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isCreated()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return Json.MAPPER.readTree(answer);
  }

  static String header(EntityExchangeResult<byte[]> result, String name) {
    HttpHeaders headers = result.getResponseHeaders();
    String value = headers.getFirst(name);
    assertThat(value).as("header %s", name).isNotNull();
    return value;
  }

  WebTestClient client() {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .build();
  }
}
