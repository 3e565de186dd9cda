package dev.tollgate.gateway.route;

import static dev.tollgate.gateway.support.FakeUpstream.events;
import static dev.tollgate.gateway.support.FakeUpstream.json;
import static dev.tollgate.gateway.support.FakeUpstream.sseThenDrop;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Retries, fail-over across deployments and fallback models, circuit breaking, and what each is
 * billed, through the running gateway against fake upstreams on loopback.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // tests switch metrics export off by default; the Prometheus page is part of what is checked
    properties = {
      "management.prometheus.metrics.export.enabled=true",
      // The actuator beyond the probes needs the admin credential (web.ActuatorPaths).
      "gateway.admin.master-key=" + RoutingTest.MASTER_KEY
    })
@Import(RoutingTestSupport.Sink.class)
class RoutingTest extends RoutingTestSupport {

  static final String MASTER_KEY = "routing-test-master-key-0123456789";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    routingProperties(registry);
  }

  @Autowired MeterRegistry meters;

  @BeforeEach
  void scripts() {
    BROKEN.script(json(500, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
    REJECTING.script(json(400, Fixtures.read("openai/error_400_unsupported_value.json")));
    for (FakeUpstream upstream : List.of(BROKEN, LIMITED, DROPPER, REJECTING, FRAGILE)) {
      upstream.clear();
    }
    usage.clear();
  }

  @Test
  void whenTheFirstDeploymentFailsTheNextServesAndBillsAtTheModelsPrice() throws Exception {
    long before = balance();
    usage.clear();

    Answer answer = chat("failover", false);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.servedModel()).isEqualTo("failover");
    assertThat(answer.servedProvider()).isEqualTo("mockA");
    assertThat(requestsTo(BROKEN)).as("tries on the failing deployment").isEqualTo(2);
    long cost = cost(PROMPT_TOKENS, 10, 1_000, 2_000);
    assertThat(answer.cost()).isEqualTo("0.000028");
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.provider()).isEqualTo("mockA");
    assertThat(settledBalance()).isEqualTo(before - cost);
  }

  @Test
  void aRetryAfterFromTheUpstreamIsWaitedOutBeforeTheSameDeploymentIsTriedAgain() {
    AtomicInteger calls = new AtomicInteger();
    LIMITED.script(
        (response, recorder) ->
            calls.incrementAndGet() == 1
                ? response
                    .status(429)
                    .header("retry-after", "1")
                    .header("content-type", "application/json")
                    .sendString(Mono.just("{\"error\":{\"message\":\"slow down\"}}"))
                    .then()
                : json(200, Fixtures.read("openai/chat_completion.json"))
                    .answer(response, recorder));

    long start = System.nanoTime();
    Answer answer = chat("patient", false);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(calls).hasValue(2);
    assertThat(took).as("waited for Retry-After: 1").isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(answer.servedModel()).isEqualTo("patient");
    assertThat(answer.servedProvider()).isEqualTo("limited");
    // the body says what the upstream said
    assertThat(Json.MAPPER.readTree(answer.body()).path("model").asString())
        .isEqualTo("gpt-4o-2024-08-06");
  }

  @Test
  void aStreamThatFailsAfterItsFirstEventIsNotRetriedAndCostsWhatWasDelivered() throws Exception {
    List<String> recorded = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    DROPPER.script(sseThenDrop(recorded.subList(0, 4)));
    long before = balance();
    usage.clear();

    Answer answer = chat("midstream", true);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.servedProvider()).isEqualTo("dropper");
    assertThat(answer.body()).contains(recorded.get(1).trim()).contains("\"error\"");
    assertThat(requestsTo(DROPPER)).isEqualTo(1);
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.source()).isEqualTo(UsageSource.PARTIAL);
    assertThat(record.provider()).isEqualTo("dropper");
    assertThat(record.completionTokens()).isPositive();
    long cost = cost(record.promptTokens(), record.completionTokens(), 1_000, 2_000);
    assertThat(cost).isPositive();
    assertThat(settledBalance()).isEqualTo(before - cost);
  }

  @Test
  void whenEveryDeploymentAndFallbackFailsTheClientGets502AndPaysNothing() throws Exception {
    long before = balance();
    usage.clear();

    Answer answer = chat("doomed", false);

    assertThat(answer.status()).isEqualTo(502);
    JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("upstream_error");
    assertThat(error.path("code").asString()).isEqualTo("upstream_unavailable");
    assertThat(error.path("message").asString())
        .isEqualTo(
            "Every deployment of model 'doomed' failed (6 attempts); the last answered HTTP 500:"
                + " overloaded");
    assertThat(answer.servedModel()).isNull();
    assertThat(requestsTo(BROKEN)).as("doomed's own 2, then doomed-backup's 2").isEqualTo(4);
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.totalTokens()).isZero();
    assertThat(settledBalance()).isEqualTo(before);
  }

  @Test
  void aFallbackModelServesAndIsChargedAtItsOwnPrice() throws Exception {
    long before = balance();
    usage.clear();

    Answer answer = chat("primary", false);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.servedModel()).isEqualTo("backup");
    assertThat(answer.servedProvider()).isEqualTo("mockA");
    long cost = cost(PROMPT_TOKENS, 10, 10_000, 20_000);
    assertThat(answer.cost()).isEqualTo("0.00028");
    assertThat(Json.MAPPER.readTree(answer.body()).path("usage").path("cost").decimalValue())
        .isEqualByComparingTo("0.00028");
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.model()).isEqualTo("backup");
    assertThat(record.provider()).isEqualTo("mockA");
    assertThat(settledBalance()).isEqualTo(before - cost);
  }

  @Test
  void aStreamedResponseNamesTheFallbackThatServedIt() throws Exception {
    long before = balance();
    usage.clear();

    Answer answer = chat("primary-stream", true);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.servedModel()).isEqualTo("backup");
    assertThat(answer.servedProvider()).isEqualTo("mockA");
    assertThat(answer.body()).endsWith("data: [DONE]\n\n");
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.model()).isEqualTo("backup");
    assertThat(settledBalance())
        .isEqualTo(before - cost(record.promptTokens(), record.completionTokens(), 10_000, 20_000));
  }

  @Test
  void aClientErrorFromTheUpstreamIsNeitherRetriedNorFailedOver() {
    Answer answer = chat("strict", false);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(answer.body()).path("error").path("param").asString())
        .isEqualTo("messages[0].role");
    assertThat(requestsTo(REJECTING)).isEqualTo(1);
    assertThat(answer.servedProvider()).isNull();
  }

  @Test
  void trafficIsSplitByWeight() {
    int a = 0;
    int b = 0;
    for (int i = 0; i < 200; i++) {
      Answer answer = chat("weighted", false);
      assertThat(answer.status()).isEqualTo(200);
      switch (answer.servedProvider()) {
        case "mockA" -> a++;
        case "mockB" -> b++;
        default -> throw new AssertionError(answer.servedProvider());
      }
    }
    // weights 3:1, expected 150:50; the bounds are about 5 standard deviations wide
    assertThat(a).isBetween(120, 180);
    assertThat(a + b).isEqualTo(200);
  }

  @Test
  void theCircuitOpensAfterRepeatedFailuresAndProbesAgainAfterTheOpenDuration() throws Exception {
    FRAGILE.script(json(500, "{}"));

    assertThat(chat("fragile", false).status()).isEqualTo(502); // 2 failures
    assertThat(chat("fragile", false).status()).isEqualTo(502); // the 3rd opens the circuit
    assertThat(requestsTo(FRAGILE)).isEqualTo(3);
    assertThat(circuitState("fragile")).isEqualTo(CircuitBreaker.State.OPEN.ordinal());

    Answer whileOpen = chat("fragile", false);
    assertThat(whileOpen.status()).isEqualTo(502);
    assertThat(Json.MAPPER.readTree(whileOpen.body()).path("error").path("message").asString())
        .isEqualTo("No deployment of model 'fragile' is available right now; try again later.");
    assertThat(requestsTo(FRAGILE)).as("no upstream call while open").isZero();

    FRAGILE.script(json(200, Fixtures.read("openai/chat_completion.json")));
    Thread.sleep(1_100); // open-duration 1s
    assertThat(circuitState("fragile")).isEqualTo(CircuitBreaker.State.HALF_OPEN.ordinal());

    assertThat(chat("fragile", false).status()).isEqualTo(200);
    assertThat(requestsTo(FRAGILE)).isEqualTo(1);
    assertThat(circuitState("fragile")).isEqualTo(CircuitBreaker.State.CLOSED.ordinal());
    assertThat(meters.get("tollgate.deployment.attempts").tag("model", "fragile").counter().count())
        .isEqualTo(4);
    assertThat(meters.get("tollgate.deployment.failures").tag("model", "fragile").counter().count())
        .isEqualTo(3);
  }

  @Test
  void deploymentHealthIsVisibleAtTheActuatorEndpointsWithTheAdminCredential() {
    assertThat(get("/actuator/health")).contains("\"status\":\"UP\"");
    assertThat(get("/actuator/metrics/tollgate.deployment.circuit.state"))
        .contains("\"name\":\"tollgate.deployment.circuit.state\"")
        .contains("\"tag\":\"model\"")
        .contains("\"failover\"");
    assertThat(get("/actuator/prometheus"))
        .contains(
            "tollgate_deployment_circuit_state{model=\"weighted\",provider=\"mockB\","
                + "upstream=\"weighted\"}")
        .contains("tollgate_deployment_attempts_total{");
  }

  private String get(String path) {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .build()
        .get()
        .uri(path)
        .header("Authorization", "Bearer " + MASTER_KEY)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(String.class)
        .returnResult()
        .getResponseBody();
  }

  private double circuitState(String model) {
    return meters.get("tollgate.deployment.circuit.state").tag("model", model).gauge().value();
  }

  /** How many requests the upstream received since the last call; they are taken. */
  private static int requestsTo(FakeUpstream upstream) {
    int n = upstream.pendingRequests();
    upstream.clear();
    return n;
  }
}
