package dev.tollgate.adapter.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.ProviderSpec.Timeouts;
import dev.tollgate.adapter.UpstreamException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gemini embeddings against a fake Gemini API on a real socket: the OpenAI request as Gemini's
 * {@code batchEmbedContents} (path, key, body), the answer as OpenAI's list with every number as
 * Gemini wrote it, refusals that never reach the upstream, and upstream errors.
 */
class GeminiEmbeddingsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "AIza-embed-key";
  private static final String MODEL = "gemini-embedding-001";

  private static FakeGemini upstream;
  private static ProviderAdapter adapter;

  @BeforeAll
  static void start() {
    upstream = new FakeGemini();
    adapter =
        new GeminiAdapterFactory()
            .create(
                new ProviderSpec(
                    "gemini-embed",
                    "gemini",
                    URI.create(upstream.baseUrl()),
                    KEY,
                    new Timeouts(
                        Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2)),
                    4,
                    Map.of()),
                Map.of());
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @BeforeEach
  void nothingLeftOver() {
    assertThat(upstream.pending()).isZero();
  }

  private static EmbeddingsCapable embeddings() {
    return (EmbeddingsCapable) adapter;
  }

  private static EmbeddingsCall call(String body) {
    return new EmbeddingsCall("req-e", (ObjectNode) JSON.readTree(body), MODEL);
  }

  private static EmbeddingsResponse embed(String body) {
    EmbeddingsResponse[] out = new EmbeddingsResponse[1];
    StepVerifier.create(embeddings().embed(call(body)))
        .consumeNextWith(r -> out[0] = r)
        .expectComplete()
        .verify(WAIT);
    return out[0];
  }

  @Test
  void theAdapterHasEmbeddings() {
    assertThat(adapter).isInstanceOf(GeminiAdapter.class).isInstanceOf(EmbeddingsCapable.class);
  }

  @Test
  void oneStringIsOneRequestAndTheAnswerIsCopiedNumberForNumber() throws InterruptedException {
    // Numbers a double would rewrite: 17 significant digits, an exponent, a lower-case e, -0.0.
    upstream.script(
        FakeGemini.json(
            200,
            "{\"embeddings\": [{\"values\": [0.10000000000000001, -2.5E-7, 1e-05, -0.0,"
                + " 0.013168523, 3]}]}"));

    EmbeddingsResponse response =
        embed("{\"model\":\"my-embedder\",\"input\":\"The food was delicious\"}");

    FakeGemini.Received sent = upstream.take();
    assertThat(sent.uri()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    assertThat(sent.apiKey()).isEqualTo(KEY);
    assertThat(JSON.readTree(sent.body()))
        .isEqualTo(
            JSON.readTree(
                "{\"requests\":[{\"model\":\"models/gemini-embedding-001\","
                    + "\"content\":{\"parts\":[{\"text\":\"The food was delicious\"}]}}]}"));
    assertThat(new String(response.body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.10000000000000001,-2.5E-7,1e-05,-0.0,0.013168523,3]}],"
                + "\"model\":\"gemini-embedding-001\"}");
    assertThat(response.usage()).as("Gemini reports no token counts").isNull();
  }

  @Test
  void anArrayIsOneRequestPerInputInOrderWithDimensions() throws InterruptedException {
    upstream.script(
        FakeGemini.json(
            200,
            "{\"embeddings\":[{\"values\":[0.1,0.2]},{\"values\":[0.3,0.4]},"
                + "{\"values\":[0.5,0.6]}]}"));

    EmbeddingsResponse response =
        embed(
            "{\"model\":\"m\",\"input\":[\"one\",\"two\",\"three\"],\"dimensions\":2,"
                + "\"encoding_format\":\"float\",\"user\":\"u-1\"}");

    JsonNode sent = JSON.readTree(upstream.take().body());
    StringBuilder expected = new StringBuilder("{\"requests\":[");
    String[] texts = {"one", "two", "three"};
    for (int i = 0; i < texts.length; i++) {
      expected
          .append(i == 0 ? "" : ",")
          .append("{\"model\":\"models/gemini-embedding-001\",\"content\":{\"parts\":[{\"text\":\"")
          .append(texts[i])
          .append("\"}]},\"outputDimensionality\":2}");
    }
    assertThat(sent).isEqualTo(JSON.readTree(expected.append("]}").toString()));

    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("object").asString()).isEqualTo("list");
    assertThat(answer.path("model").asString()).isEqualTo(MODEL);
    assertThat(answer.has("usage")).isFalse();
    assertThat(answer.path("data")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode item = answer.path("data").get(i);
      assertThat(item.path("object").asString()).isEqualTo("embedding");
      assertThat(item.path("index").asInt()).isEqualTo(i);
      assertThat(item.path("embedding").toString())
          .isEqualTo("[0." + (2 * i + 1) + ",0." + (2 * i + 2) + "]");
    }
  }

  @Test
  void tokenIdsAndBase64AreRefusedWithoutCallingTheUpstream() {
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":[15339,1917]}")),
        e -> assertRefused(e, "input"));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":[[15339],[1917]]}")),
        e -> assertRefused(e, "input"));
    expectError(
        embeddings()
            .embed(call("{\"model\":\"m\",\"input\":\"hi\",\"encoding_format\":\"base64\"}")),
        e -> assertRefused(e, "encoding_format"));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":[]}")), e -> assertRefused(e, "input"));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":\"hi\",\"dimensions\":0}")),
        e -> assertRefused(e, "dimensions"));

    assertThat(upstream.pending()).as("nothing reached the upstream").isZero();
  }

  private static void assertRefused(UpstreamException e, String param) {
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.type()).isEqualTo("invalid_request_error");
    assertThat(e.param()).isEqualTo(param);
  }

  @Test
  void upstreamErrorsAreMapped() throws InterruptedException {
    upstream.script(
        FakeGemini.json(
            400,
            GeminiErrorMapperTest.error(400, "INVALID_ARGUMENT", "Request contains an invalid")));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":\"hi\"}")),
        e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.type()).isEqualTo("invalid_request_error");
          assertThat(e.code()).isEqualTo("invalid_argument");
        });
    upstream.take();

    upstream.script(
        FakeGemini.json(
            429, GeminiErrorMapperTest.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":\"hi\"}")),
        e -> {
          assertThat(e.status()).isEqualTo(429);
          assertThat(e.type()).isEqualTo("rate_limit_error");
          assertThat(e.code()).isEqualTo("resource_exhausted");
        });
    upstream.take();
  }

  @Test
  void anAnswerOfTheWrongShapeIsAProtocolError() throws InterruptedException {
    upstream.script(FakeGemini.json(200, "{\"embeddings\":[{\"values\":[0.1]}]}"));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":[\"a\",\"b\"]}")),
        e -> {
          assertThat(e.status()).isEqualTo(502);
          assertThat(e.code()).isEqualTo("upstream_protocol_error");
          assertThat(e.getMessage()).contains("1 embeddings for 2 inputs");
        });
    upstream.take();

    upstream.script(FakeGemini.json(200, "{\"embeddings\":[{\"values\":[0.1,"));
    expectError(
        embeddings().embed(call("{\"model\":\"m\",\"input\":\"a\"}")),
        e -> assertThat(e.code()).isEqualTo("upstream_protocol_error"));
    upstream.take();
  }

  private static void expectError(Mono<?> mono, Consumer<UpstreamException> check) {
    StepVerifier.create(mono)
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOfSatisfying(UpstreamException.class, check::accept))
        .verify(WAIT);
  }
}
