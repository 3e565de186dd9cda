package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.GatewayApplication;
import dev.tollgate.gateway.support.OwnNettyResources;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/**
 * Regression (issue 10, item 6): a stream still running at the end of the shutdown phase was closed
 * with no final event and no {@code [DONE]}, and its hold was left to the reaper. Streams of 20 s
 * meet a 3 s shutdown phase: each ends like a cut-off (a last chunk with {@code finish_reason} and
 * an {@code error_note} saying the gateway is shutting down, the usage chunk when asked for, {@code
 * [DONE]}; the Anthropic ending on {@code /v1/messages}), is charged for the prompt and what it
 * delivered, and is in PostgreSQL once the close returned, with nothing held.
 */
class ShutdownCutTest {

  static final String ACCOUNT = "acct-shutcut-" + TestServices.REDIS_PREFIX;
  static final String PREFIX = TestServices.REDIS_PREFIX + "-shutdown-cut";
  static final int STREAMS = 6;

  record Streamed(int index, int status, String body) {}

  @Test
  void streamsOutlastingTheShutdownPhaseEndLikeACutOffAndAreSettledBeforeTheFlush()
      throws Exception {
    List<String> properties = new ArrayList<>(List.of(BillingTestSupport.PRICED_MOCKS));
    properties.add("server.port=0");
    properties.add("server.shutdown=graceful");
    properties.add("spring.lifecycle.timeout-per-shutdown-phase=3s");
    properties.add("spring.data.redis.url=" + TestServices.REDIS_URL);
    properties.add("spring.r2dbc.url=" + TestServices.r2dbcUrl());
    // Its own outbox, and event loops of its own (OwnNettyResources): see ShutdownFlushTest.
    properties.add("gateway.billing.redis-prefix=" + PREFIX);
    properties.add("gateway.billing.demo.id=" + ACCOUNT);
    properties.add("gateway.billing.instance-id=shutcut");
    properties.add("gateway.retention.initial-delay=24h");
    // 2 000 tokens, one every 10 ms: 20 s, far longer than the shutdown phase
    properties.add("gateway.models[2].id=endless");
    properties.add("gateway.models[2].provider=local");
    properties.add("gateway.models[2].mock.tokens=2000");
    properties.add("gateway.models[2].mock.inter-token-ms=10");
    properties.add("gateway.models[2].price.input=1.00");
    properties.add("gateway.models[2].price.output=2.00");
    ConfigurableApplicationContext gateway =
        new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class)
            .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
    long initial = BillingTestSupport.pgBalance(ACCOUNT);

    CountDownLatch started = new CountDownLatch(STREAMS);
    HttpClient client = BillingTestSupport.client(port, STREAMS);
    CompletableFuture<List<Streamed>> answers =
        Flux.range(0, STREAMS)
            .flatMap(
                i ->
                    client
                        .post()
                        .uri(i == 0 ? "/v1/messages" : "/v1/chat/completions")
                        .send(ByteBufMono.fromString(Mono.just(body(i))))
                        .responseConnection(
                            (response, connection) -> {
                              started.countDown();
                              return connection
                                  .inbound()
                                  .receive()
                                  .aggregate()
                                  .asString(StandardCharsets.UTF_8)
                                  .defaultIfEmpty("")
                                  .map(text -> new Streamed(i, response.status().code(), text));
                            }))
            .collectList()
            .toFuture();
    assertThat(started.await(10, TimeUnit.SECONDS)).as("every stream started").isTrue();
    Thread.sleep(500); // some tokens on the way

    long closing = System.nanoTime();
    gateway.close();
    long closedMs = (System.nanoTime() - closing) / 1_000_000;

    List<Streamed> served = answers.get(10, TimeUnit.SECONDS);
    long delivered = 0;
    for (Streamed s : served) {
      assertThat(s.status()).isEqualTo(200);
      if (s.index() == 0) {
        // Anthropic: the message ends with a message_delta carrying the note, then message_stop
        assertThat(s.body()).contains("gateway_shutting_down").contains("\"max_tokens\"");
        assertThat(s.body().strip()).endsWith("data: {\"type\":\"message_stop\"}");
        continue;
      }
      List<String> data = s.body().lines().filter(l -> l.startsWith("data: ")).toList();
      assertThat(data.getLast()).as("stream %s", s.index()).isEqualTo("data: [DONE]");
      boolean usage = s.index() % 2 == 0;
      JsonNode last = Json.MAPPER.readTree(data.get(data.size() - (usage ? 3 : 2)).substring(6));
      assertThat(last.path("choices").path(0).path("finish_reason").asString()).isEqualTo("length");
      assertThat(last.path("error_note").path("type").asString())
          .isEqualTo("gateway_shutting_down");
      long tokens =
          data.stream()
              .filter(l -> l.contains("\"content\":\"") && !l.contains("\"content\":\"\""))
              .count();
      if (usage) {
        JsonNode chunk = Json.MAPPER.readTree(data.get(data.size() - 2).substring(6));
        assertThat(chunk.path("usage").path("completion_tokens").asLong()).isEqualTo(tokens);
      }
      delivered += tokens;
    }
    System.out.printf(
        "ShutdownCutTest: %d streams cut by a 3 s shutdown phase, close took %d ms%n",
        STREAMS, closedMs);

    // Settled and flushed before the close returned: every stream in PostgreSQL, nothing held.
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ? AND status = 'cancelled'",
                ACCOUNT))
        .isEqualTo(STREAMS);
    long charged =
        BillingTestSupport.queryLong(
            "SELECT sum(charged_nanos) FROM usage_events WHERE account_id = ?", ACCOUNT);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ?"
                    + " AND charged_nanos <> 1000 * prompt_tokens + 2000 * completion_tokens",
                ACCOUNT))
        .isZero();
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT sum(completion_tokens) FROM usage_events WHERE account_id = ?"
                    + " AND completion_tokens > 0",
                ACCOUNT))
        .isGreaterThanOrEqualTo(delivered);
    assertThat(BillingTestSupport.pgBalance(ACCOUNT)).isEqualTo(initial - charged);
    RedisClient redis = RedisClient.create(TestServices.REDIS_URL);
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      String account = new BillingKeys(PREFIX, 64).account(ACCOUNT);
      assertThat(connection.sync().hget(account, "held")).isEqualTo("0");
      assertThat(Long.parseLong(connection.sync().hget(account, "balance")))
          .isEqualTo(initial - charged);
    } finally {
      redis.shutdown();
    }
  }

  private static String body(int i) {
    if (i == 0) {
      return "{\"model\":\"endless\",\"max_tokens\":4000,\"stream\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }
    return "{\"model\":\"endless\",\"stream\":true,"
        + (i % 2 == 0 ? "\"stream_options\":{\"include_usage\":true}," : "")
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }
}
