package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayApplication;
import dev.tollgate.gateway.support.OwnNettyResources;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

/**
 * Regression (issue 10): on shutdown the outbox flusher stopped before the web server drained the
 * running streams, so the charges those streams settled waited in Redis until another instance ran
 * (30 of 30). A gateway is closed with streams in flight: they finish, and every charge is in
 * PostgreSQL once the context is closed.
 */
class ShutdownFlushTest {

  static final String ACCOUNT = "acct-shutdown-" + TestServices.REDIS_PREFIX;
  static final int STREAMS = 10;

  record Streamed(int status, String body) {}

  @Test
  void chargesOfStreamsDrainedOnShutdownReachPostgresBeforeExit() throws Exception {
    List<String> properties = new ArrayList<>(List.of(BillingTestSupport.PRICED_MOCKS));
    properties.add("server.port=0");
    properties.add("server.shutdown=graceful");
    properties.add("spring.lifecycle.timeout-per-shutdown-phase=20s");
    properties.add("spring.data.redis.url=" + TestServices.REDIS_URL);
    properties.add("spring.r2dbc.url=" + TestServices.r2dbcUrl());
    // Its own outbox: the flushers of the other gateways in this test JVM must not take (and
    // write) the charges whose flush on shutdown this test times.
    properties.add("gateway.billing.redis-prefix=" + TestServices.REDIS_PREFIX + "-shutdown");
    properties.add("gateway.billing.demo.id=" + ACCOUNT);
    properties.add("gateway.billing.instance-id=shutdown");
    properties.add("gateway.retention.initial-delay=24h");
    ConfigurableApplicationContext gateway =
        new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class)
            .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
    long initial = BillingTestSupport.pgBalance(ACCOUNT);

    // paid-long: 400 tokens, one every 10 ms, about 4 s per stream
    String body =
        "{\"model\":\"paid-long\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    CountDownLatch started = new CountDownLatch(STREAMS);
    HttpClient client = BillingTestSupport.client(port, STREAMS);
    CompletableFuture<List<Streamed>> answers =
        Flux.range(0, STREAMS)
            .flatMap(
                i ->
                    client
                        .post()
                        .uri("/v1/chat/completions")
                        .send(ByteBufMono.fromString(Mono.just(body)))
                        .responseConnection(
                            (response, connection) -> {
                              started.countDown(); // the headers came: the stream runs
                              return connection
                                  .inbound()
                                  .receive()
                                  .aggregate()
                                  .asString(StandardCharsets.UTF_8)
                                  .map(text -> new Streamed(response.status().code(), text));
                            }))
            .collectList()
            .toFuture();
    assertThat(started.await(10, TimeUnit.SECONDS)).as("every stream started").isTrue();

    long closing = System.nanoTime();
    gateway.close(); // graceful: drains the streams, then billing stops and flushes
    long closedMs = (System.nanoTime() - closing) / 1_000_000;

    List<Streamed> served = answers.get(10, TimeUnit.SECONDS);
    assertThat(served)
        .allSatisfy(
            a -> {
              assertThat(a.status()).isEqualTo(200);
              assertThat(a.body()).endsWith("data: [DONE]\n\n");
            });
    // No waiting: what the drained streams settled is in PostgreSQL once close() returned.
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ?", ACCOUNT))
        .as("usage rows right after a close that took %s ms", closedMs)
        .isEqualTo(STREAMS);
    assertThat(BillingTestSupport.pgBalance(ACCOUNT))
        .isEqualTo(
            initial - STREAMS * BillingTestSupport.cost(BillingTestSupport.PROMPT_TOKENS, 400));
    assertThat(Duration.ofMillis(closedMs)).isLessThan(Duration.ofSeconds(20));
  }
}
