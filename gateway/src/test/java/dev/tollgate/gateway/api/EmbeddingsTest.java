package dev.tollgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.GatewayTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/embeddings} against the fake OpenAI-compatible upstream ({@code fake-model}) and
 * the mock provider, which has no embeddings ({@code mock-fast}).
 */
class EmbeddingsTest extends GatewayTestBase {

  /** Odd but valid number spellings: a relay that re-serialized would change them. */
  static final String UPSTREAM_BODY =
      "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
          + "\"embedding\":[0.0023064255,-0.0,1e-05,-9.3272920E-3]}],"
          + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}";

  private Raw embed(String json) {
    return HttpClient.create()
        .headers(
            h -> h.set("Authorization", "Bearer " + KEY).set("content-type", "application/json"))
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/embeddings")
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

  @Test
  void aPlainCallIsRelayedAsTheUpstreamSentItWithTheModelSwapped() throws Exception {
    UPSTREAM.script(FakeUpstream.json(200, UPSTREAM_BODY));

    Raw answer =
        embed(
            "{\"model\":\"fake-model\",\"input\":[\"Hello world\",\"again\"],"
                + "\"encoding_format\":\"float\",\"dimensions\":4,\"user\":\"u-1\"}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.contentType()).startsWith("application/json");
    assertThat(answer.body()).isEqualTo(UPSTREAM_BODY);
    assertThat(answer.requestId()).isNotBlank();
    assertThat(UPSTREAM.takePath()).isEqualTo("/v1/embeddings");
    JsonNode sent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(sent.path("model").asString()).isEqualTo("upstream-model-x");
    assertThat(sent.path("input").toString()).isEqualTo("[\"Hello world\",\"again\"]");
    assertThat(sent.path("dimensions").asInt()).isEqualTo(4);
    assertThat(sent.path("user").asString()).isEqualTo("u-1");

    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.promptTokens()).isEqualTo(7);
    assertThat(record.completionTokens()).isZero();
    assertThat(record.model()).isEqualTo("fake-model");
    assertThat(record.provider()).isEqualTo("fake");
    assertThat(record.streamed()).isFalse();
  }

  @Test
  void withoutReportedUsageTheInputIsCountedLocally() throws Exception {
    UPSTREAM.script(
        FakeUpstream.json(
            200,
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.1]}],\"model\":\"m\"}"));

    Raw answer = embed("{\"model\":\"fake-model\",\"input\":\"Hello world, embed me please\"}");

    assertThat(answer.status()).isEqualTo(200);
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(record.promptTokens())
        .isEqualTo(TokenEstimator.shared().count("Hello world, embed me please"));
  }

  @Test
  void tokenIdInputIsCountedAsItIs() throws Exception {
    UPSTREAM.script(FakeUpstream.json(200, "{\"object\":\"list\",\"data\":[],\"model\":\"m\"}"));

    Raw answer = embed("{\"model\":\"fake-model\",\"input\":[[1,2,3],[4,5]]}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(usage.take(answer.requestId()).promptTokens()).isEqualTo(5);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "missing model          | {\"input\":\"x\"} | 400 | model | ",
        "model not a string     | {\"model\":1,\"input\":\"x\"} | 400 | model | ",
        "missing input          | {\"model\":\"fake-model\"} | 400 | input | ",
        "empty input string     | {\"model\":\"fake-model\",\"input\":\"\"} | 400 | input | ",
        "empty input array      | {\"model\":\"fake-model\",\"input\":[]} | 400 | input | ",
        "input an object        | {\"model\":\"fake-model\",\"input\":{\"text\":\"x\"}} | 400 | input | ",
        "input a number         | {\"model\":\"fake-model\",\"input\":42} | 400 | input | ",
        "mixed input array      | {\"model\":\"fake-model\",\"input\":[\"a\",1]} | 400 | input | ",
        "negative token id      | {\"model\":\"fake-model\",\"input\":[1,-2]} | 400 | input | ",
        "fractional token id    | {\"model\":\"fake-model\",\"input\":[1,2.5]} | 400 | input | ",
        "empty token array      | {\"model\":\"fake-model\",\"input\":[[1],[]]} | 400 | input | ",
        "bad encoding_format    | {\"model\":\"fake-model\",\"input\":\"x\",\"encoding_format\":\"int8\"} | 400 | encoding_format | ",
        "zero dimensions        | {\"model\":\"fake-model\",\"input\":\"x\",\"dimensions\":0} | 400 | dimensions | ",
        "text dimensions        | {\"model\":\"fake-model\",\"input\":\"x\",\"dimensions\":\"256\"} | 400 | dimensions | ",
        "invalid json           | {\"model\": | 400 | | invalid_json",
        "no embeddings endpoint | {\"model\":\"mock-fast\",\"input\":\"x\"} | 400 | model | model_not_supported",
        "unknown model          | {\"model\":\"nope\",\"input\":\"x\"} | 404 | model | model_not_found",
      })
  void badInputIsRefusedCostsNothingAndNeverReachesTheUpstream(
      String what, String body, int status, String param, String code) throws Exception {
    Raw answer = embed(body);

    assertThat(answer.status()).isEqualTo(status);
    JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asString()).isNotBlank();
    assertThat(error.path("param").isNull() ? null : error.path("param").asString())
        .isEqualTo(param);
    assertThat(error.path("code").isNull() ? null : error.path("code").asString()).isEqualTo(code);
    if ("model_not_supported".equals(code)) {
      assertThat(error.path("message").asString())
          .isEqualTo("The model 'mock-fast' has no embeddings endpoint.");
    }
    Thread.sleep(50);
    assertThat(UPSTREAM.pendingRequests()).isZero();
    assertThat(usage.size()).isZero();
  }

  @Test
  void theInputTextIsNeverEchoedInAnError() {
    Raw answer = embed("{\"model\":\"fake-model\",\"input\":[\"secret text\",7]}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body()).doesNotContain("secret text").contains("input[1]");
  }

  @Test
  void anUpstreamFailureCostsNothing() throws Exception {
    UPSTREAM.script(
        FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));

    Raw answer = embed("{\"model\":\"fake-model\",\"input\":\"Hello\"}");

    assertThat(answer.status()).isEqualTo(502);
    assertThat(Json.MAPPER.readTree(answer.body()).path("error").isObject()).isTrue();
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.promptTokens()).isZero();
    assertThat(record.completionTokens()).isZero();
  }

  @Test
  void anUpstreamRefusalGoesBackAsItIs() throws Exception {
    UPSTREAM.script(
        FakeUpstream.json(
            400,
            "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));

    Raw answer = embed("{\"model\":\"fake-model\",\"input\":\"Hello\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body()).contains("maximum context length is 8192 tokens");
    assertThat(UPSTREAM.pendingRequests()).isEqualTo(1); // not retried
    assertThat(usage.take(answer.requestId()).promptTokens()).isZero();
  }

  @Test
  void withoutAKeyItIs401() {
    web.post()
        .uri("/v1/embeddings")
        .header("Authorization", "Bearer sk-gw-wrong-key-0000000000")
        .bodyValue("{\"model\":\"fake-model\",\"input\":\"x\"}")
        .exchange()
        .expectStatus()
        .isEqualTo(401);
    assertThat(UPSTREAM.pendingRequests()).isZero();
  }

  @Test
  void theModelsListSaysWhichModelsHaveEmbeddings() {
    web.get()
        .uri("/v1/models")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.data[0].id")
        .isEqualTo("fake-model")
        .jsonPath("$.data[0].endpoints[2]")
        .isEqualTo("/v1/embeddings")
        .jsonPath("$.data[1].id")
        .isEqualTo("mock-fast")
        .jsonPath("$.data[1].endpoints.length()")
        .isEqualTo(2)
        .jsonPath("$.data[0].pricing")
        .doesNotExist();
  }
}
