package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/** What is charged when a request ends well, and on each fault. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=1.00", "gateway.providers.dead.type=openai"})
class BillingFaultsTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-faults-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
    // an upstream nobody listens on: connection refused
    registry.add(
        "gateway.providers.dead.base-url", () -> "http://127.0.0.1:" + closedPort() + "/v1");
    registry.add("gateway.models[2].id", () -> "broken");
    registry.add("gateway.models[2].provider", () -> "dead");
    registry.add("gateway.models[2].price.input", () -> "1.00");
    registry.add("gateway.models[2].price.output", () -> "2.00");
  }

  @Autowired BillingLifecycle lifecycle;
  @Autowired RedisConnections redis;
  @Autowired BillingKeys keys;

  @Test
  void aWholeResponseCarriesItsCostAndCanBeLookedUpOnceSettled() throws Exception {
    long before = redisBalance();
    Answer answer =
        chat(
                client(port, 4),
                "{\"model\":\"paid\",\"max_tokens\":10,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .block(Duration.ofSeconds(10));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.costHeader()).isEqualTo("0.000028");
    assertThat(Json.MAPPER.readTree(answer.body()).path("usage").path("cost").decimalValue())
        .isEqualByComparingTo("0.000028");
    JsonNode generation = awaitGeneration(answer.requestId());
    assertThat(generation.path("status").asString()).isEqualTo("completed");
    assertThat(generation.path("usage_source").asString()).isEqualTo("reported");
    assertThat(generation.path("prompt_tokens").asLong()).isEqualTo(PROMPT_TOKENS);
    assertThat(generation.path("completion_tokens").asLong()).isEqualTo(10);
    assertThat(generation.path("cost").decimalValue()).isEqualByComparingTo("0.000028");
    assertThat(redisBalance()).isEqualTo(before - 28_000);
  }

  @Test
  void theUsageChunkCarriesTheCost() {
    Answer answer =
        chat(
                client(port, 4),
                "{\"model\":\"paid\",\"stream\":true,\"max_tokens\":10,"
                    + "\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .block(Duration.ofSeconds(10));

    String usageEvent =
        answer.body().lines().filter(l -> l.contains("\"usage\":{")).findFirst().orElseThrow();
    JsonNode usage = Json.MAPPER.readTree(usageEvent.substring(6)).path("usage");
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(10);
    assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.000028");
  }

  @Test
  void aClientThatGoesAwayPaysForWhatWasDeliveredAndLeavesNoHold() throws Exception {
    long before = redisBalance();
    AtomicInteger chunks = new AtomicInteger();
    AtomicReference<String> requestId = new AtomicReference<>();
    HttpClient.newConnection()
        .headers(h -> h.set("Authorization", "Bearer " + KEY))
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/chat/completions")
        .send(
            ByteBufMono.fromString(
                Mono.just(
                    "{\"model\":\"paid-long\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
        .response(
            (response, content) -> {
              requestId.set(response.responseHeaders().get("x-request-id"));
              return content
                  .asString(StandardCharsets.UTF_8)
                  .doOnNext(s -> chunks.addAndGet(s.split("\"content\":\"", -1).length - 1))
                  .takeUntil(s -> chunks.get() >= 25);
            })
        .blockLast(Duration.ofSeconds(20));

    String id = requestId.get();
    awaitRow(id);
    long completion =
        queryLong("SELECT completion_tokens FROM usage_events WHERE request_id = ?", id);
    assertThat(queryString("SELECT status FROM usage_events WHERE request_id = ?", id))
        .isEqualTo("cancelled");
    assertThat(queryString("SELECT source FROM usage_events WHERE request_id = ?", id))
        .isEqualTo("partial");
    // it saw at least 24 tokens (the role chunk has empty content), far fewer than 400
    assertThat(completion).isBetween(24L, 100L);
    long charged = queryLong("SELECT charged_nanos FROM usage_events WHERE request_id = ?", id);
    assertThat(charged).isEqualTo(cost(PROMPT_TOKENS, completion));
    assertThat(redisBalance()).isEqualTo(before - charged);
    assertThat(redisAccount(ACCOUNT).held()).isZero();
    assertThat(redis.sync().exists(keys.hold(ACCOUNT, id))).isZero();
  }

  @Test
  void anUpstreamFailureBeforeTheFirstTokenCostsNothing() throws Exception {
    long before = redisBalance();
    Answer answer =
        chat(
                client(port, 4),
                "{\"model\":\"broken\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .block(Duration.ofSeconds(10));

    assertThat(answer.status()).isEqualTo(502);
    awaitRow(answer.requestId());
    assertThat(
            queryLong(
                "SELECT charged_nanos FROM usage_events WHERE request_id = ?", answer.requestId()))
        .isZero();
    assertThat(redisBalance()).isEqualTo(before);
    assertThat(redisAccount(ACCOUNT).held()).isZero();
  }

  @Test
  void theReaperSettlesTheHoldOfADeadGatewayAtItsLastCheckpoint() throws Exception {
    long before = redisBalance();
    String id = "req_dead_" + TestServices.REDIS_PREFIX;
    Instant past = Instant.now().minusSeconds(5);
    assertThat(
            holds
                .reserve(ACCOUNT, id, 50_000, past, "dev:dead", "paid", "local")
                .block(Duration.ofSeconds(5))
                .outcome()
                .name())
        .isEqualTo("GRANTED");
    assertThat(
            holds
                .extend(ACCOUNT, id, 0, past, 8, 12, 0, 0, 32_000)
                .block(Duration.ofSeconds(5))
                .granted())
        .isTrue();

    assertThat(lifecycle.reapAll().block(Duration.ofSeconds(10))).isGreaterThanOrEqualTo(1);

    awaitRow(id);
    assertThat(queryString("SELECT status FROM usage_events WHERE request_id = ?", id))
        .isEqualTo("abandoned");
    assertThat(queryLong("SELECT charged_nanos FROM usage_events WHERE request_id = ?", id))
        .isEqualTo(32_000);
    assertThat(redisBalance()).isEqualTo(before - 32_000);
    assertThat(redisAccount(ACCOUNT).held()).isZero();
  }

  private static int closedPort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private long redisBalance() {
    AccountState state = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
    if (state == null) {
      // not loaded into Redis yet: a first request loads it
      chat(
              client(port, 1),
              "{\"model\":\"paid\",\"max_tokens\":1,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
          .block(Duration.ofSeconds(10));
      state = redisAccount(ACCOUNT);
    }
    return state.balance();
  }

  private static void awaitRow(String requestId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (queryLong("SELECT count(*) FROM usage_events WHERE request_id = ?", requestId) > 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no usage event for " + requestId + " in PostgreSQL");
  }

  private JsonNode awaitGeneration(String requestId) throws InterruptedException {
    awaitRow(requestId);
    String body =
        client(port, 1)
            .get()
            .uri("/v1/generation/" + requestId)
            .responseSingle((r, c) -> c.asString())
            .block(Duration.ofSeconds(10));
    return Json.MAPPER.readTree(body);
  }
}
