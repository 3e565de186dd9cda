package dev.tollgate.gateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * A running gateway on a random port, with a {@link FakeUpstream} as provider {@code fake} (model
 * {@code fake-model}) and the mock provider (model {@code mock-fast}), and a sink that keeps every
 * usage record. One Spring context for all subclasses.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.dev-keys[0]=" + GatewayTestBase.KEY,
      "gateway.max-request-size=64KB",
      "gateway.providers.fake.type=openai",
      "gateway.providers.fake.api-key=upstream-secret",
      "gateway.providers.fake.first-byte-timeout=1s",
      "gateway.providers.fake.idle-timeout=500ms",
      "gateway.models[0].id=fake-model",
      "gateway.models[0].provider=fake",
      "gateway.models[0].upstream-model=upstream-model-x",
      "gateway.models[1].id=mock-fast",
      "gateway.models[1].provider=local",
      "gateway.models[1].mock.tokens=5",
      "logging.level.dev.tollgate.usage=WARN",
      "gateway.billing.demo.balance=1000",
      "gateway.billing.reaper-interval=1h",
      // Many tests send wrong keys from loopback on purpose; FailedKeysTest checks the slowdown.
      "gateway.auth.failed-keys.free-attempts=100000",
      // tests here fail the fake upstream on purpose, many times: its circuit must stay closed
      // (route/RoutingTest tests the breaker)
      "gateway.routing.circuit-breaker.failure-threshold=1000000"
    })
@Import(GatewayTestBase.Sink.class)
public abstract class GatewayTestBase {

  public static final String KEY = "sk-gw-test-0123456789abcdef";

  protected static final FakeUpstream UPSTREAM = new FakeUpstream();

  @DynamicPropertySource
  static void upstream(DynamicPropertyRegistry registry) {
    registry.add("gateway.providers.fake.base-url", UPSTREAM::baseUrl);
    registry.add("spring.data.redis.url", () -> TestServices.REDIS_URL);
    registry.add("spring.r2dbc.url", TestServices::r2dbcUrl);
    registry.add("gateway.billing.redis-prefix", () -> TestServices.REDIS_PREFIX);
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class Sink {
    @Bean
    @Primary
    CapturingUsageSink capturingUsageSink() {
      return new CapturingUsageSink();
    }
  }

  @LocalServerPort protected int port;

  @Autowired protected CapturingUsageSink usage;

  protected WebTestClient web;

  @BeforeEach
  void resetState() {
    UPSTREAM.clear();
    usage.clear();
    web =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port)
            .responseTimeout(Duration.ofSeconds(10))
            .defaultHeader("Authorization", "Bearer " + KEY)
            .build();
  }

  /** A raw HTTP answer: status, request id and body exactly as received. */
  public record Raw(int status, String requestId, String contentType, String body) {}

  /** Posts {@code json} to the chat endpoint and reads the whole answer as bytes. */
  protected Raw post(String json) {
    return HttpClient.create()
        .headers(
            h -> h.set("Authorization", "Bearer " + KEY).set("content-type", "application/json"))
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/chat/completions")
        .send(ByteBufMono.fromString(Mono.just(json)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        body ->
                            new Raw(
                                response.status().code(),
                                response.responseHeaders().get("x-request-id"),
                                response.responseHeaders().get("content-type"),
                                body)))
        .block(Duration.ofSeconds(15));
  }
}
