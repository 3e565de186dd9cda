package dev.tollgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.pricing.CostCalculator;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.gateway.GatewayApplication;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.billing.PriceBook;
import dev.tollgate.gateway.support.TestServices;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/**
 * Two gateway instances sharing Redis and PostgreSQL: a price set through one is charged by the
 * other within a second, and a request in flight across the change is charged the price of its
 * admission throughout. The models are this test's own: other test contexts share the database.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.admin.master-key=" + AdminApiTest.MASTER_KEY,
      "gateway.billing.instance-id=first"
    })
class PriceChangeAcrossInstancesTest {

  static final String ACCOUNT = "acct-prices-" + TestServices.REDIS_PREFIX;
  static final String SHORT = "priced-" + TestServices.REDIS_PREFIX;
  static final String LONG = "priced-long-" + TestServices.REDIS_PREFIX;

  static final List<String> MODELS =
      List.of(
          "gateway.models[2].id=" + SHORT,
          "gateway.models[2].provider=local",
          "gateway.models[2].mock.tokens=10",
          "gateway.models[2].price.input=1.00",
          "gateway.models[2].price.output=2.00",
          "gateway.models[3].id=" + LONG,
          "gateway.models[3].provider=local",
          "gateway.models[3].mock.tokens=300",
          "gateway.models[3].mock.inter-token-ms=10",
          "gateway.models[3].price.input=1.00",
          "gateway.models[3].price.output=2.00");

  static ConfigurableApplicationContext second;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
    for (String p : MODELS) {
      int eq = p.indexOf('=');
      registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
    }
  }

  @BeforeAll
  static void startSecondInstance() {
    List<String> properties = new ArrayList<>(List.of(BillingTestSupport.PRICED_MOCKS));
    properties.addAll(MODELS);
    properties.add("server.port=0");
    properties.add("spring.data.redis.url=" + TestServices.REDIS_URL);
    properties.add("spring.r2dbc.url=" + TestServices.r2dbcUrl());
    properties.add("gateway.billing.redis-prefix=" + TestServices.REDIS_PREFIX);
    properties.add("gateway.billing.demo.id=" + ACCOUNT);
    properties.add("gateway.billing.instance-id=second");
    properties.add("gateway.retention.initial-delay=24h");
    second =
        new SpringApplicationBuilder(GatewayApplication.class)
            .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
  }

  @AfterAll
  static void stopSecondInstance() {
    if (second != null) {
      second.close();
    }
  }

  @LocalServerPort int port;

  WebTestClient admin;
  int secondPort;

  @BeforeEach
  void clients() {
    admin =
        AdminApiTest.client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
    secondPort = ((WebServerApplicationContext) second).getWebServer().getPort();
  }

  @Test
  void aPriceSetOnOneInstanceIsChargedByTheOtherWithinOneSecond() throws Exception {
    String key = newKey();
    // 8 prompt tokens, 10 completion tokens at 1.00 and 2.00 per million.
    assertThat(cost(secondPort, key, SHORT)).isEqualByComparingTo("0.000028");

    JsonNode set =
        AdminApiTest.json(
            put(SHORT, "{\"input\":\"3.00\",\"output\":\"5.00\"}").expectStatus().isCreated());
    long changedAt = System.nanoTime();
    ModelPrice expected =
        ModelPrice.of(SHORT, 3_000_000_000L, 3_000_000_000L, 5_000_000_000L, 5_000_000_000L, 0, 0);
    assertThat(set.path("version").asString()).isEqualTo(expected.version());
    assertThat(set.path("source").asString()).isEqualTo("admin");
    assertThat(set.path("created_by").asString()).isEqualTo("admin:master-key");

    BigDecimal charged = BigDecimal.ZERO;
    while (System.nanoTime() - changedAt < Duration.ofSeconds(1).toNanos()) {
      charged = cost(secondPort, key, SHORT);
      if (charged.compareTo(new BigDecimal("0.000074")) == 0) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(charged)
        .as("the second instance's charge within 1 s")
        .isEqualByComparingTo("0.000074");
    assertThat(cost(port, key, SHORT)).isEqualByComparingTo("0.000074");

    JsonNode versions =
        AdminApiTest.json(
            admin.get().uri("/admin/models/" + SHORT + "/prices").exchange().expectStatus().isOk());
    assertThat(versions.path("current").asString()).isEqualTo(expected.version());
    JsonNode data = versions.path("data");
    assertThat(data.size()).isEqualTo(2);
    assertThat(data.get(0).path("version").asString()).isEqualTo(expected.version());
    assertThat(data.get(0).path("valid_to").isNull()).isTrue();
    assertThat(data.get(0).path("input").decimalValue()).isEqualByComparingTo("3");
    assertThat(data.get(0).path("cache_write").decimalValue()).isEqualByComparingTo("3.75");
    assertThat(data.get(1).path("source").asString()).isEqualTo("config");
    assertThat(data.get(1).path("output").decimalValue()).isEqualByComparingTo("2");
    assertThat(data.get(1).path("valid_to").asString())
        .isEqualTo(data.get(0).path("valid_from").asString());

    JsonNode trail =
        AdminApiTest.json(
            admin.get().uri("/admin/audit?target=" + SHORT).exchange().expectStatus().isOk());
    JsonNode entry = trail.path("data").get(0);
    assertThat(entry.path("action").asString()).isEqualTo("model.price");
    assertThat(entry.path("actor").asString()).isEqualTo("admin:master-key");
    assertThat(entry.path("before").path("input_nanos").asLong()).isEqualTo(1_000_000_000L);
    assertThat(entry.path("after").path("input_nanos").asLong()).isEqualTo(3_000_000_000L);
  }

  @Test
  void aRequestInFlightAcrossAPriceChangeIsChargedThePriceOfItsAdmissionThroughout()
      throws Exception {
    String key = newKey();
    ModelPrice old =
        ModelPrice.of(LONG, 1_000_000_000L, 1_000_000_000L, 2_000_000_000L, 2_000_000_000L, 0, 0);
    PriceBook secondBook = second.getBean(PriceBook.class);
    assertThat(secondBook.price(LONG).version()).isEqualTo(old.version());

    AtomicReference<String> requestId = new AtomicReference<>();
    CountDownLatch firstBytes = new CountDownLatch(1);
    CompletableFuture<Void> stream =
        HttpClient.create()
            .headers(
                h ->
                    h.set("Authorization", "Bearer " + key).set("content-type", "application/json"))
            .post()
            .uri("http://127.0.0.1:" + secondPort + "/v1/chat/completions")
            .send(
                ByteBufMono.fromString(
                    Mono.just(
                        "{\"model\":\""
                            + LONG
                            + "\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
            .response(
                (response, content) -> {
                  requestId.set(response.responseHeaders().get("x-request-id"));
                  return content
                      .asString(StandardCharsets.UTF_8)
                      .doOnNext(s -> firstBytes.countDown());
                })
            .then()
            .toFuture();
    assertThat(firstBytes.await(5, TimeUnit.SECONDS)).isTrue();

    put(LONG, "{\"input\":\"7.00\",\"output\":\"9.00\",\"markup\":\"0.5\"}")
        .expectStatus()
        .isCreated();
    long changedAt = System.nanoTime();
    while (secondBook.price(LONG).version().equals(old.version())
        && System.nanoTime() - changedAt < Duration.ofSeconds(1).toNanos()) {
      Thread.sleep(5);
    }
    assertThat(secondBook.price(LONG).version()).isNotEqualTo(old.version());
    assertThat(stream).as("the stream is still running after the change arrived").isNotDone();
    stream.get(15, TimeUnit.SECONDS);

    long[] row = usageRow(requestId.get());
    long prompt = row[0];
    long completion = row[1];
    assertThat(completion).isEqualTo(300);
    assertThat(row[2]).isEqualTo(CostCalculator.cost(old, prompt, 0, completion, 0, 0));
    assertThat(row[2]).isEqualTo(row[3]); // charged in full
    assertThat(usageVersion(requestId.get())).isEqualTo(old.version());
  }

  @Test
  void badPricesAreRefusedAndAnUnknownModelIsNotFound() {
    put(SHORT, "{\"output\":\"1\"}").expectStatus().isBadRequest();
    put(SHORT, "{\"input\":\"-1\",\"output\":\"1\"}").expectStatus().isBadRequest();
    put(SHORT, "{\"input\":\"1\",\"output\":\"1\",\"markup\":\"0.0000001\"}")
        .expectStatus()
        .isBadRequest();
    put(SHORT, "{\"input\":\"1\",\"output\":\"1\",\"valid_from\":\"2001-01-01T00:00:00Z\"}")
        .expectStatus()
        .isBadRequest();
    put(SHORT, "{\"input\":\"1\",\"output\":\"1\",\"colour\":\"red\"}")
        .expectStatus()
        .isBadRequest();
    put("no-such-model", "{\"input\":\"1\",\"output\":\"1\"}").expectStatus().isNotFound();
    admin.get().uri("/admin/models/no-such-model/prices").exchange().expectStatus().isNotFound();
    AdminApiTest.client(port)
        .put()
        .uri("/admin/models/" + SHORT + "/price")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"input\":\"1\",\"output\":\"1\"}")
        .exchange()
        .expectStatus()
        .isUnauthorized();
    AdminApiTest.client(port)
        .get()
        .uri("/admin/models/" + SHORT + "/prices")
        .exchange()
        .expectStatus()
        .isUnauthorized();
  }

  private WebTestClient.ResponseSpec put(String model, String body) {
    return admin
        .put()
        .uri("/admin/models/" + model + "/price")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange();
  }

  private String newKey() {
    String account =
        AdminApiTest.json(
                admin
                    .post()
                    .uri("/admin/accounts")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"name\":\"p\",\"owner\":\"o\"}")
                    .exchange()
                    .expectStatus()
                    .isCreated())
            .path("id")
            .asString();
    admin
        .post()
        .uri("/admin/accounts/" + account + "/credits")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"amount\":\"1\",\"reference\":\"p-" + account + "\",\"type\":\"credit\"}")
        .exchange()
        .expectStatus()
        .isCreated();
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

  private static BigDecimal cost(int port, String key, String model) {
    JsonNode answer =
        AdminApiTest.json(
            AdminApiTest.client(port)
                .post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + key)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus()
                .isOk());
    return answer.path("usage").path("cost").decimalValue();
  }

  /** prompt, completion, cost and charged of a request, once the flusher wrote it (5 s at most). */
  private static long[] usageRow(String requestId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s =
            c.prepareStatement(
                "SELECT prompt_tokens, completion_tokens, cost_nanos, charged_nanos"
                    + " FROM usage_events WHERE request_id = ?")) {
      s.setString(1, requestId);
      while (true) {
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            return new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)};
          }
        }
        assertThat(System.nanoTime()).as("usage row of " + requestId).isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  private static String usageVersion(String requestId) throws Exception {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s =
            c.prepareStatement("SELECT price_version FROM usage_events WHERE request_id = ?")) {
      s.setString(1, requestId);
      try (ResultSet r = s.executeQuery()) {
        assertThat(r.next()).isTrue();
        return r.getString(1);
      }
    }
  }
}
