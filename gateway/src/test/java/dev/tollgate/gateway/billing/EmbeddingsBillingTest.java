package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import tools.jackson.databind.JsonNode;

/**
 * Embeddings are billed per input token at the model's input price (markup included), through the
 * same holds, ledger and usage events as chat; a failed upstream call costs nothing. The models
 * list shows the same prices.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.billing.demo.balance=1.00",
      "gateway.admin.master-key=" + EmbeddingsBillingTest.MASTER_KEY
    })
class EmbeddingsBillingTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-embeddings-" + TestServices.REDIS_PREFIX;

  static final String MASTER_KEY = "embeddings-master-key-0123456789";

  static final FakeUpstream UPSTREAM = new FakeUpstream();

  /** 0.02 per million input tokens plus 50 %: 30 nano-units a token. */
  static final long NANOS_PER_INPUT_TOKEN = 30;

  static final String[] EMBEDDINGS_MODEL = {
    "gateway.providers.emb.type=openai",
    "gateway.models[2].id=embed",
    "gateway.models[2].provider=emb",
    "gateway.models[2].upstream-model=text-embedding-3-small",
    "gateway.models[2].price.input=0.02",
    "gateway.models[2].markup=0.5",
    "gateway.models[2].context-length=8191",
    "gateway.models[0].price.cached-input=0.5",
    "gateway.models[0].price.request=0.001",
    "gateway.models[0].context-length=128000",
  };

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
    // with the other models: a list is bound from one property source, never merged
    for (String p : EMBEDDINGS_MODEL) {
      int eq = p.indexOf('=');
      registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
    }
    registry.add("gateway.providers.emb.base-url", UPSTREAM::baseUrl);
  }

  @AfterAll
  static void closeUpstream() {
    UPSTREAM.close();
  }

  @BeforeEach
  void clearUpstream() {
    UPSTREAM.clear();
  }

  private Answer embed(String json) {
    return client(port, 2)
        .post()
        .uri("/v1/embeddings")
        .send(ByteBufMono.fromString(Mono.just(json)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        body ->
                            new Answer(
                                response.status().code(),
                                response.responseHeaders().get("x-request-id"),
                                body,
                                response.responseHeaders().get("x-gateway-cost"))))
        .block(Duration.ofSeconds(10));
  }

  private long balance() throws InterruptedException {
    AccountState state = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
    if (state == null) { // not loaded into Redis yet: a first request loads it
      Answer loading =
          chat(
                  client(port, 1),
                  "{\"model\":\"paid\",\"max_tokens\":1,"
                      + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
              .block(Duration.ofSeconds(10));
      assertThat(loading).isNotNull();
      assertThat(loading.status()).as(loading.body()).isEqualTo(200);
      // That request settles after its answer, asynchronously: read the balance once its charge
      // is in (its usage event comes from the outbox the settlement wrote), or a later read would
      // see it taken and the hold gone, as if the request under test had done it.
      awaitRow(loading.requestId());
      state = redisAccount(ACCOUNT);
    }
    return state.balance();
  }

  @Test
  void anEmbeddingCostsItsReportedInputTokensAtTheInputPrice() throws Exception {
    long before = balance();
    String upstreamBody =
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.5,-0.25]}],\"model\":\"text-embedding-3-small\","
            + "\"usage\":{\"prompt_tokens\":1234,\"total_tokens\":1234}}";
    UPSTREAM.script(FakeUpstream.json(200, upstreamBody));

    Answer answer = embed("{\"model\":\"embed\",\"input\":\"a short text\"}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(upstreamBody);
    long expected = 1234 * NANOS_PER_INPUT_TOKEN;
    assertThat(answer.costHeader()).isEqualTo("0.00003702");
    assertThat(Json.MAPPER.readTree(UPSTREAM.takeBody()).path("model").asString())
        .isEqualTo("text-embedding-3-small");

    awaitRow(answer.requestId());
    assertThat(
            queryString(
                "SELECT status || ' ' || source || ' ' || model || ' ' || prompt_tokens || ' '"
                    + " || completion_tokens || ' ' || cost_nanos || ' ' || charged_nanos"
                    + " FROM usage_events WHERE request_id = ?",
                answer.requestId()))
        .isEqualTo("completed reported embed 1234 0 " + expected + " " + expected);
    assertThat(balance()).isEqualTo(before - expected);
    assertThat(redisAccount(ACCOUNT).held()).isZero();
  }

  @Test
  void anUpstreamFailureCostsNothing() throws Exception {
    long before = balance();
    UPSTREAM.script(
        FakeUpstream.json(503, "{\"error\":{\"message\":\"down\",\"type\":\"server_error\"}}"));

    Answer answer = embed("{\"model\":\"embed\",\"input\":[\"one\",\"two\"]}");

    assertThat(answer.status()).isEqualTo(502);
    awaitRow(answer.requestId());
    assertThat(
            queryLong(
                "SELECT charged_nanos FROM usage_events WHERE request_id = ?", answer.requestId()))
        .isZero();
    assertThat(balance()).isEqualTo(before);
    assertThat(redisAccount(ACCOUNT).held()).isZero();
  }

  @Test
  void badInputCostsNothingAndHoldsNothing() throws Exception {
    long before = balance();

    Answer answer = embed("{\"model\":\"embed\",\"input\":[]}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(UPSTREAM.pendingRequests()).isZero();
    assertThat(balance()).isEqualTo(before);
    assertThat(redisAccount(ACCOUNT).held()).isZero();
  }

  @Test
  void theModelsListShowsPricesWithMarkupAndContextLengths() throws Exception {
    JsonNode list =
        Json.MAPPER.readTree(
            client(port, 1)
                .get()
                .uri("/v1/models")
                .responseSingle((response, content) -> content.asString())
                .block(Duration.ofSeconds(10)));

    assertThat(list.path("object").asString()).isEqualTo("list");
    JsonNode paid = list.path("data").get(0);
    assertThat(paid.path("id").asString()).isEqualTo("paid");
    assertThat(paid.path("object").asString()).isEqualTo("model");
    assertThat(paid.path("owned_by").asString()).isEqualTo("local");
    assertThat(paid.path("created").isIntegralNumber()).isTrue();
    assertThat(paid.path("pricing").toString())
        .isEqualTo(
            "{\"input\":1,\"cached_input\":0.5,\"output\":2,\"request\":0.001,"
                + "\"currency\":\"USD\"}");
    assertThat(paid.path("context_length").asInt()).isEqualTo(128000);
    assertThat(paid.path("endpoints").toString())
        .isEqualTo("[\"/v1/chat/completions\",\"/v1/messages\"]");

    JsonNode longer = list.path("data").get(1);
    assertThat(longer.has("context_length")).isFalse();

    JsonNode embed = list.path("data").get(2);
    assertThat(embed.path("id").asString()).isEqualTo("embed");
    assertThat(embed.path("pricing").toString()).isEqualTo("{\"input\":0.03,\"currency\":\"USD\"}");
    assertThat(embed.path("context_length").asInt()).isEqualTo(8191);
    assertThat(embed.path("endpoints").toString())
        .isEqualTo("[\"/v1/chat/completions\",\"/v1/messages\",\"/v1/embeddings\"]");
  }

  @Test
  void aKeysAllowedModelsAndTokensPerMinuteApply() throws Exception {
    String chatOnly = newKey("{\"limits\":{\"models\":[\"paid\"]}}");
    JsonNode refused = embedAs(chatOnly, "{\"model\":\"embed\",\"input\":\"hello\"}", 403);
    assertThat(refused.path("error").path("code").asString()).isEqualTo("model_not_allowed");

    // "hello" is one token: a 3-token bucket takes three, the fourth is refused on the estimate
    String small = newKey("{\"limits\":{\"tpm\":3}}");
    UPSTREAM.script(
        FakeUpstream.json(
            200,
            "{\"object\":\"list\",\"data\":[],\"usage\":{\"prompt_tokens\":1,"
                + "\"total_tokens\":1}}"));
    for (int i = 0; i < 3; i++) {
      embedAs(small, "{\"model\":\"embed\",\"input\":\"hello\"}", 200);
    }
    JsonNode limited = embedAs(small, "{\"model\":\"embed\",\"input\":\"hello\"}", 429);
    assertThat(limited.path("error").path("type").asString()).isEqualTo("tokens");
    assertThat(UPSTREAM.pendingRequests()).as("only the three admitted went upstream").isEqualTo(3);
  }

  private JsonNode embedAs(String key, String body, int status) {
    byte[] answer =
        web()
            .post()
            .uri("/v1/embeddings")
            .header("Authorization", "Bearer " + key)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody()
            .returnResult()
            .getResponseBody();
    return Json.MAPPER.readTree(answer);
  }

  /** A new account with funds, and a key of it with these limits, through the admin API. */
  private String newKey(String body) {
    String account =
        admin("/admin/accounts", "{\"name\":\"t\",\"owner\":\"o\"}").path("id").asString();
    admin(
        "/admin/accounts/" + account + "/credits",
        "{\"amount\":\"10.00\",\"reference\":\"init-" + account + "\",\"type\":\"credit\"}");
    return admin("/admin/accounts/" + account + "/keys", body).path("key").asString();
  }

  private JsonNode admin(String uri, String body) {
    byte[] answer =
        web()
            .post()
            .uri(uri)
            .header("Authorization", "Bearer " + MASTER_KEY)
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

  private WebTestClient web() {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static void awaitRow(String requestId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (queryLong("SELECT count(*) FROM usage_events WHERE request_id = ?", requestId) > 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no usage event for " + requestId);
  }
}
