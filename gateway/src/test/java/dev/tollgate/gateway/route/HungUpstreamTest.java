package dev.tollgate.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

/**
 * Regression (issue 10): an upstream that accepts and never answers. A streamed request got its 504
 * but left the upstream connection open until the process exited. Now every attempt's connection is
 * closed, the first-byte timeout is retried as docs/providers.md says (each attempt is one
 * connection here), and nothing is charged.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.providers.hung.type=openai",
      "gateway.providers.hung.first-byte-timeout=300ms",
      "gateway.routing.max-attempts=2",
      "gateway.routing.backoff.base=20ms",
      "gateway.routing.circuit-breaker.failure-threshold=1000"
    })
class HungUpstreamTest {

  static final String ACCOUNT = "acct-hung-" + TestServices.REDIS_PREFIX;
  static final AtomicInteger ACCEPTED = new AtomicInteger();
  static final AtomicInteger OPEN = new AtomicInteger();
  static final DisposableServer HUNG =
      TcpServer.create()
          .host("127.0.0.1")
          .port(0)
          .doOnConnection(
              connection -> {
                ACCEPTED.incrementAndGet();
                OPEN.incrementAndGet();
                connection.onDispose(OPEN::decrementAndGet);
              })
          .handle((in, out) -> in.receive().then()) // reads until the gateway closes
          .bindNow();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
    registry.add("gateway.providers.hung.base-url", () -> "http://127.0.0.1:" + HUNG.port());
    // With the shared models: a list comes whole from one property source.
    registry.add("gateway.models[2].id", () -> "hung");
    registry.add("gateway.models[2].provider", () -> "hung");
    registry.add("gateway.models[2].price.input", () -> "1.00");
    registry.add("gateway.models[2].price.output", () -> "2.00");
  }

  @AfterAll
  static void stopHung() {
    HUNG.disposeNow();
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;

  @BeforeEach
  void reset() {
    ACCEPTED.set(0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aHungUpstreamIsRetriedAnswered504AndLeavesNoConnectionOpen(boolean stream) throws Exception {
    WebTestClient client =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port)
            .responseTimeout(Duration.ofSeconds(10))
            .build();
    int requests = 4;
    for (int i = 0; i < requests; i++) {
      client
          .post()
          .uri("/v1/chat/completions")
          .header("Authorization", "Bearer " + BillingTestSupport.KEY)
          .contentType(MediaType.APPLICATION_JSON)
          .bodyValue(
              "{\"model\":\"hung\",\"stream\":"
                  + stream
                  + ",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
          .exchange()
          .expectStatus()
          .isEqualTo(504)
          .expectBody()
          .jsonPath("$.error.code")
          .isEqualTo("upstream_timeout");
    }
    assertThat(ACCEPTED.get()).as("attempts: two per request").isEqualTo(2 * requests);
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (OPEN.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(OPEN.get()).as("upstream connections open 2 s after the 504s").isZero();
    assertThat(holds.account(ACCOUNT).block(Duration.ofSeconds(5)).held()).isZero();
    assertThat(holds.account(ACCOUNT).block(Duration.ofSeconds(5)).balance())
        .as("nothing charged")
        .isEqualTo(10_000_000_000L);
  }
}
