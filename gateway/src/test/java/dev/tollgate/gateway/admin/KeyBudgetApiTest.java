package dev.tollgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.BudgetPeriod;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;

/**
 * A key's budget per period ({@code limits.budget}): requests past it are refused with 403 {@code
 * budget_exceeded} and cost nothing, however many arrive at once; a change applies at the next
 * request.
 *
 * <p>Each request here is {@code paid} with {@code max_tokens} 10: it holds and costs 8 x 1 000 +
 * 10 x 2 000 = 28 000 nano-units, so a budget of 0.0001 (100 000) admits three.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.admin.master-key=" + AdminApiTest.MASTER_KEY})
class KeyBudgetApiTest {

  static final String ACCOUNT = "acct-budget-" + TestServices.REDIS_PREFIX;
  static final long REQUEST_COST = BillingTestSupport.cost(8, 10);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;

  WebTestClient admin;

  @BeforeEach
  void adminClient() {
    admin =
        AdminApiTest.client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
  }

  @Test
  void aRequestPastTheBudgetIs403BudgetExceededAndCostsNothing() throws Exception {
    String account = newAccount();
    JsonNode created =
        newKey(account, "{\"limits\":{\"budget\":{\"amount\":\"0.0001\",\"period\":\"day\"}}}");
    assertThat(created.path("limits").path("budget").path("amount").decimalValue())
        .isEqualByComparingTo("0.0001");
    assertThat(created.path("limits").path("budget").path("period").asString()).isEqualTo("day");
    String key = created.path("key").asString();

    for (int i = 0; i < 3; i++) {
      assertThat(chat(key).status()).isEqualTo(200);
    }
    Answer refused = chat(key);
    assertThat(refused.status()).isEqualTo(403);
    JsonNode error = Json.MAPPER.readTree(refused.body()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("permission_error");
    assertThat(error.path("code").asString()).isEqualTo("budget_exceeded");
    assertThat(error.path("message").asString())
        .contains("resets at " + BudgetPeriod.DAY.end(Instant.now()));

    long balance = awaitBalance(account, 1_000_000_000L - 3 * REQUEST_COST);
    assertThat(balance).as("the refused request cost nothing").isEqualTo(1_000_000_000L - 84_000);

    // A bigger budget per month applies to the key's next request (its cache is forgotten).
    JsonNode changed =
        AdminApiTest.json(
            admin
                .patch()
                .uri("/admin/keys/" + created.path("id").asString())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"limits\":{\"budget\":{\"amount\":\"1\",\"period\":\"month\"}}}")
                .exchange()
                .expectStatus()
                .isOk());
    assertThat(changed.path("limits").path("budget").path("period").asString()).isEqualTo("month");
    assertThat(chat(key).status()).isEqualTo(200);
    JsonNode entry =
        AdminApiTest.json(
                admin
                    .get()
                    .uri("/admin/audit?target=" + created.path("id").asString() + "&limit=1")
                    .exchange()
                    .expectStatus()
                    .isOk())
            .path("data")
            .get(0);
    assertThat(entry.path("before").path("budget_period").asString()).isEqualTo("day");
    assertThat(entry.path("after").path("budget_nanos").asLong()).isEqualTo(1_000_000_000L);

    // Lifted: no budget at all.
    admin
        .patch()
        .uri("/admin/keys/" + created.path("id").asString())
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"limits\":{\"budget\":null}}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.limits.budget")
        .isEmpty();
  }

  @Test
  void twentyConcurrentRequestsNeverSpendPastTheBudget() throws Exception {
    String account = newAccount();
    String key =
        newKey(account, "{\"limits\":{\"budget\":{\"amount\":\"0.0001\",\"period\":\"day\"}}}")
            .path("key")
            .asString();
    HttpClient client =
        HttpClient.create(ConnectionProvider.create("budget-test", 20))
            .headers(
                h ->
                    h.set("Authorization", "Bearer " + key)
                        .set("content-type", "application/json"));
    List<Answer> answers =
        Flux.range(0, 20)
            .flatMap(i -> chat(client), 20)
            .collectList()
            .block(Duration.ofSeconds(30));
    assertThat(answers).hasSize(20);
    assertThat(answers).filteredOn(a -> a.status() == 200).hasSize(3);
    assertThat(answers)
        .filteredOn(a -> a.status() != 200)
        .allSatisfy(
            a -> {
              assertThat(a.status()).isEqualTo(403);
              assertThat(a.body()).contains("budget_exceeded");
            });
    assertThat(awaitBalance(account, 1_000_000_000L - 3 * REQUEST_COST))
        .isEqualTo(1_000_000_000L - 3 * REQUEST_COST);
  }

  @Test
  void badBudgetsAreRefused() {
    String account = newAccount();
    for (String limits :
        List.of(
            "{\"budget\":{\"amount\":\"1\",\"period\":\"week\"}}",
            "{\"budget\":{\"period\":\"day\"}}",
            "{\"budget\":{\"amount\":\"-1\",\"period\":\"day\"}}",
            "{\"budget\":{\"amount\":\"1\"}}",
            "{\"budget\":{\"amount\":\"1\",\"period\":\"day\",\"reset\":\"x\"}}",
            "{\"budget\":\"5\"}")) {
      AdminApiTest.error(
          admin.post().uri("/admin/accounts/" + account + "/keys"),
          "{\"limits\":" + limits + "}",
          400,
          "limits.budget");
    }
  }

  record Answer(int status, String body) {}

  private Answer chat(String key) {
    return chat(HttpClient.create()
            .headers(
                h ->
                    h.set("Authorization", "Bearer " + key)
                        .set("content-type", "application/json")))
        .block(Duration.ofSeconds(15));
  }

  private Mono<Answer> chat(HttpClient client) {
    return client
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/chat/completions")
        .send(ByteBufMono.fromString(Mono.just(AdminApiTest.CHAT)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(body -> new Answer(response.status().code(), body)));
  }

  private String newAccount() {
    String id =
        AdminApiTest.json(
                admin
                    .post()
                    .uri("/admin/accounts")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"name\":\"b\",\"owner\":\"o-" + UUID.randomUUID() + "\"}")
                    .exchange()
                    .expectStatus()
                    .isCreated())
            .path("id")
            .asString();
    admin
        .post()
        .uri("/admin/accounts/" + id + "/credits")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"amount\":\"1\",\"reference\":\"b-" + id + "\",\"type\":\"credit\"}")
        .exchange()
        .expectStatus()
        .isCreated();
    return id;
  }

  private JsonNode newKey(String account, String body) {
    return AdminApiTest.json(
        admin
            .post()
            .uri("/admin/accounts/" + account + "/keys")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isCreated());
  }

  /** Settlement follows the answer: the balance in Redis once it is {@code expected} (5 s). */
  private long awaitBalance(String account, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    long balance = holds.account(account).block(Duration.ofSeconds(5)).balance();
    while (balance != expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
      balance = holds.account(account).block(Duration.ofSeconds(5)).balance();
    }
    // Give a wrong extra charge time to land before the caller compares.
    Thread.sleep(200);
    return holds.account(account).block(Duration.ofSeconds(5)).balance();
  }
}
