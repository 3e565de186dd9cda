package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamException;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Embeddings through the {@code openai} adapter, against a fake upstream on port 0. */
class OpenAiEmbeddingsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** OpenAI's documented response shape, with its odd spacing kept to show it is relayed as is. */
  private static final String RESPONSE =
      """
      {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292, 1.5e-7]}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
      }
      """;

  private record Received(String uri, HttpHeaders headers, String body) {}

  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private volatile String answer = RESPONSE;
  private final DisposableServer server =
      HttpServer.create()
          .host("127.0.0.1")
          .port(0)
          .handle(
              (request, response) ->
                  request
                      .receive()
                      .aggregate()
                      .asString(StandardCharsets.UTF_8)
                      .flatMap(
                          body -> {
                            received.add(
                                new Received(request.uri(), request.requestHeaders().copy(), body));
                            return response
                                .status(status.get())
                                .header("content-type", "application/json")
                                .sendString(Mono.just(answer))
                                .then();
                          }))
          .bindNow();

  @AfterEach
  void stop() {
    server.disposeNow();
  }

  @Test
  void postsToEmbeddingsWithTheModelSwappedAndRelaysTheBodyAsIs() throws Exception {
    EmbeddingsCapable adapter = adapter("http://127.0.0.1:" + server.port() + "/v1", Map.of());
    String request = "{\"model\":\"embed\",\"input\":[\"a\",\"b\"],\"dimensions\":256}";

    StepVerifier.create(adapter.embed(call(request)))
        .assertNext(
            response -> {
              assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(RESPONSE);
              assertThat(response.usage()).isEqualTo(new TokenUsage(8, 0, 0, 0));
            })
        .expectComplete()
        .verify(TIMEOUT);

    Received r = take();
    assertThat(r.uri()).isEqualTo("/v1/embeddings");
    assertThat(r.headers().get("authorization")).isEqualTo("Bearer k");
    ObjectNode expected = (ObjectNode) JSON.readTree(request);
    expected.put("model", "text-embedding-3-small");
    assertThat(JSON.readTree(r.body())).isEqualTo(expected);
  }

  @Test
  void azureEmbedsOnTheDeploymentPath() throws Exception {
    EmbeddingsCapable adapter =
        adapter(
            "http://127.0.0.1:" + server.port(),
            Map.of("preset", "azure", "api-version", "2024-10-21"));

    StepVerifier.create(adapter.embed(call("{\"input\":\"a\"}")))
        .assertNext(response -> assertThat(response.usage()).isNotNull())
        .expectComplete()
        .verify(TIMEOUT);

    Received r = take();
    assertThat(r.uri())
        .isEqualTo("/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21");
    assertThat(r.headers().get("api-key")).isEqualTo("k");
  }

  @Test
  void aResponseWithoutUsageHasNone() {
    answer = "{\"object\":\"list\",\"data\":[]}";
    EmbeddingsCapable adapter = adapter("http://127.0.0.1:" + server.port() + "/v1", Map.of());

    StepVerifier.create(adapter.embed(call("{\"input\":\"a\"}")))
        .assertNext(response -> assertThat(response.usage()).isNull())
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void anUpstreamErrorKeepsItsStatus() {
    status.set(401);
    answer =
        "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
            + "\"code\":\"invalid_api_key\"}}";
    EmbeddingsCapable adapter = adapter("http://127.0.0.1:" + server.port() + "/v1", Map.of());

    StepVerifier.create(adapter.embed(call("{\"input\":\"a\"}")))
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(UpstreamException.class);
              assertThat(((UpstreamException) e).status()).isEqualTo(401);
              assertThat(((UpstreamException) e).code()).isEqualTo("invalid_api_key");
            })
        .verify(TIMEOUT);
  }

  private static EmbeddingsCall call(String body) {
    return new EmbeddingsCall(
        "req-emb", (ObjectNode) JSON.readTree(body), "text-embedding-3-small");
  }

  private static EmbeddingsCapable adapter(String baseUrl, Map<String, String> options) {
    ProviderAdapter adapter =
        new OpenAiAdapterFactory().create(OpenAiEndpointTest.spec(baseUrl, "k", options), Map.of());
    assertThat(adapter).isInstanceOf(EmbeddingsCapable.class);
    return (EmbeddingsCapable) adapter;
  }

  private Received take() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the fake upstream received no request");
    }
    return r;
  }
}
