package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiStreams.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.ProviderSpec.Timeouts;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Gemini adapter against a fake Gemini API on a real socket, for what the provider contract
 * ({@link GeminiContractTest}: plain, streamed text and tool call, reasoning tokens, usage, an
 * error before and during the stream, a bad key) does not show: reads cut anywhere, request
 * translation of tools and reasoning effort, thoughts streamed as reasoning, rate limiting, refusal
 * before the upstream, in-stream errors and truncation, cancellation and timeouts.
 */
class GeminiAdapterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "AIza-test-key";

  private static FakeGemini upstream;
  private static ProviderAdapter adapter;

  @BeforeAll
  static void start() {
    upstream = new FakeGemini();
    adapter =
        factory()
            .create(
                new ProviderSpec(
                    "gemini-test",
                    "gemini",
                    URI.create(upstream.baseUrl() + "/"),
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

  private static ProviderAdapterFactory factory() {
    return ServiceLoader.load(ProviderAdapterFactory.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(f -> f.type().equals("gemini"))
        .findFirst()
        .orElseThrow();
  }

  private static ChatCall call(String body) {
    return new ChatCall("req-1", (ObjectNode) JSON.readTree(body), "gemini-2.5-flash", true);
  }

  private static ChatCall hello() {
    return call(
        "{\"model\":\"my-gemini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
            + "\"max_tokens\":50}");
  }

  // ---- streaming ----

  @Test
  void streamingInOneByteReads() throws InterruptedException {
    upstream.script(
        FakeGemini.sse(Fixtures.bytes("gemini/stream_generate_content.sse"), 1, Duration.ZERO));

    List<UpstreamEvent> events = collect(adapter.stream(hello()));

    // the base URL's trailing slash is not doubled
    assertThat(upstream.take().uri())
        .isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    assertThat(text(events)).isEqualTo("The capital of France is Paris.\n");
    assertThat(events.getLast().kind()).isEqualTo(Kind.DONE);
  }

  // ---- tool calls ----

  @Test
  void toolCalls() throws InterruptedException {
    upstream.script(
        FakeGemini.sse(
            Fixtures.bytes("gemini/stream_generate_content_function_call.sse"),
            512,
            Duration.ZERO));
    ChatCall call =
        call(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Which country?\"}],\"tools\":[{\"type\":"
                + "\"function\",\"function\":{\"name\":\"get_country\",\"parameters\":{\"type\":"
                + "\"object\",\"properties\":{}}}}],\"tool_choice\":\"required\"}");

    List<UpstreamEvent> events = collect(adapter.stream(call));

    JsonNode sent = JSON.readTree(upstream.take().body());
    assertThat(
            sent.path("tools").get(0).path("functionDeclarations").get(0).path("name").asString())
        .isEqualTo("get_country");
    assertThat(sent.path("toolConfig").path("functionCallingConfig").path("mode").asString())
        .isEqualTo("ANY");
    JsonNode toolCall =
        json(events.getFirst()).path("choices").get(0).path("delta").path("tool_calls").get(0);
    assertThat(toolCall.path("function").path("name").asString()).isEqualTo("get_country");
    assertThat(toolCall.path("function").path("arguments").asString()).isEqualTo("{}");
    assertThat(events)
        .filteredOn(e -> e.finishReason() != null)
        .extracting(UpstreamEvent::finishReason)
        .containsExactly("tool_calls");
  }

  // ---- reasoning ----

  @Test
  void reasoningEffortAsksForThoughtsWhichStreamAsReasoning() throws InterruptedException {
    String stream =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Two and two...\",\"thought\":true}],"
            + "\"role\":\"model\"}}],\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n"
            + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"4\"}],\"role\":\"model\"},"
            + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":5,"
            + "\"candidatesTokenCount\":1,\"thoughtsTokenCount\":40,\"totalTokenCount\":46}}\r\n\r\n";
    upstream.script(FakeGemini.sse(stream.getBytes(StandardCharsets.UTF_8), 4096, Duration.ZERO));

    List<UpstreamEvent> events =
        collect(
            adapter.stream(
                call(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"}],"
                        + "\"reasoning_effort\":\"low\"}")));

    JsonNode sent = JSON.readTree(upstream.take().body());
    assertThat(sent.path("generationConfig").path("thinkingConfig"))
        .isEqualTo(JSON.readTree("{\"thinkingBudget\":1024,\"includeThoughts\":true}"));
    assertThat(events.getFirst().reasoning()).isEqualTo("Two and two...");
    assertThat(
            json(events.getFirst())
                .path("choices")
                .get(0)
                .path("delta")
                .path("reasoning_content")
                .asString())
        .isEqualTo("Two and two...");
    assertThat(text(events)).isEqualTo("4");
    assertThat(events.get(events.size() - 2).usage()).isEqualTo(new TokenUsage(5, 41, 0, 40));
  }

  // ---- upstream errors before the stream ----

  @Test
  void upstreamErrorBeforeTheStream429() throws InterruptedException {
    upstream.script(
        FakeGemini.json(
            429, GeminiErrorMapperTest.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")));

    expectError(
        adapter.stream(hello()).collectList(),
        e -> {
          assertThat(e.status()).isEqualTo(429);
          assertThat(e.type()).isEqualTo("rate_limit_error");
        });
    upstream.take();
    expectError(adapter.complete(hello()), e -> assertThat(e.status()).isEqualTo(429));
    upstream.take();
  }

  @Test
  void untranslatableRequestNeverReachesTheUpstream() throws InterruptedException {
    ChatCall twoChoices = call("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"n\":2}");

    expectError(
        adapter.stream(twoChoices).collectList(),
        e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.param()).isEqualTo("n");
        });
    expectError(adapter.complete(twoChoices), e -> assertThat(e.param()).isEqualTo("n"));

    // the next request the upstream sees is the next good one: the refused ones were never sent
    upstream.script(FakeGemini.json(200, fixture("gemini/generate_content.json")));
    StepVerifier.create(adapter.complete(hello())).expectNextCount(1).verifyComplete();
    assertThat(upstream.take().body()).contains("\"maxOutputTokens\":50");
    assertThat(upstream.pending()).isZero();
  }

  // ---- upstream errors during the stream ----

  @Test
  void connectionDroppedMidStream() throws InterruptedException {
    upstream.script(FakeGemini.sseThenDrop(firstEventOf("gemini/stream_generate_content.sse")));

    StepVerifier.create(adapter.stream(hello()))
        .assertNext(e -> assertThat(e.text()).isEqualTo("The"))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        UpstreamException.class, u -> assertThat(u.status()).isEqualTo(502)))
        .verify(WAIT);
    upstream.take();
  }

  @Test
  void malformedEventMidStream() throws InterruptedException {
    String stream =
        firstEventOf("gemini/stream_generate_content.sse") + "data: {\"candidates\": [\r\n\r\n";
    upstream.script(FakeGemini.sse(stream.getBytes(StandardCharsets.UTF_8), 4096, Duration.ZERO));

    StepVerifier.create(adapter.stream(hello()))
        .assertNext(e -> assertThat(e.text()).isEqualTo("The")) // same read, still delivered first
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        UpstreamException.class,
                        u -> assertThat(u.code()).isEqualTo("upstream_protocol_error")))
        .verify(WAIT);
    upstream.take();
  }

  @Test
  void errorEventMidStream() throws InterruptedException {
    String stream =
        firstEventOf("gemini/stream_generate_content.sse")
            + "data: "
            + GeminiErrorMapperTest.error(503, "UNAVAILABLE", "The model is overloaded.")
            + "\r\n\r\n";
    upstream.script(FakeGemini.sse(stream.getBytes(StandardCharsets.UTF_8), 4096, Duration.ZERO));

    StepVerifier.create(adapter.stream(hello()))
        .expectNextCount(1)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        UpstreamException.class,
                        u -> {
                          assertThat(u.status()).isEqualTo(502);
                          assertThat(u.type()).isEqualTo("server_error");
                          assertThat(u.getMessage()).isEqualTo("The model is overloaded.");
                        }))
        .verify(WAIT);
    upstream.take();
  }

  @Test
  void streamEndingWithoutAFinishReason() throws InterruptedException {
    upstream.script(
        FakeGemini.sse(
            firstEventOf("gemini/stream_generate_content.sse").getBytes(StandardCharsets.UTF_8),
            4096,
            Duration.ZERO));

    StepVerifier.create(adapter.stream(hello()))
        .expectNextCount(1)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        UpstreamException.class,
                        u -> assertThat(u.code()).isEqualTo("upstream_protocol_error")))
        .verify(WAIT);
    upstream.take();
  }

  // ---- cancel and timeouts ----

  @Test
  void cancellingTheStreamClosesTheUpstreamConnection() throws Exception {
    upstream.script(
        FakeGemini.sse(
            Fixtures.bytes("gemini/stream_generate_content.sse"), 16, Duration.ofMillis(200)));

    StepVerifier.create(adapter.stream(hello()), 1)
        .assertNext(e -> assertThat(e.text()).isEqualTo("The"))
        .thenCancel()
        .verify(WAIT);

    // the upstream would have needed seconds more to finish the stream
    upstream.take().closed().get(2, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void upstreamSilentPastTheIdleTimeoutMidStream() throws InterruptedException {
    upstream.script(FakeGemini.sseThenSilence(firstEventOf("gemini/stream_generate_content.sse")));

    StepVerifier.create(adapter.stream(hello()))
        .expectNextCount(1)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        UpstreamException.class, u -> assertThat(u.isTimeout()).isTrue()))
        .verify(WAIT);
    upstream.take();
  }

  @Test
  void upstreamSilentPastTheFirstByteTimeout() throws InterruptedException {
    upstream.script(
        FakeGemini.delayed(
            Duration.ofSeconds(4), FakeGemini.json(200, fixture("gemini/generate_content.json"))));

    expectError(adapter.stream(hello()).collectList(), e -> assertThat(e.isTimeout()).isTrue());
    upstream.take();
  }

  // ---- helpers ----

  private static List<UpstreamEvent> collect(reactor.core.publisher.Flux<UpstreamEvent> flux) {
    List<UpstreamEvent> events = flux.collectList().block(WAIT);
    return Objects.requireNonNull(events);
  }

  private static String text(List<UpstreamEvent> events) {
    StringBuilder s = new StringBuilder();
    events.forEach(e -> s.append(Objects.requireNonNullElse(e.text(), "")));
    return s.toString();
  }

  private static void expectError(
      reactor.core.publisher.Mono<?> mono, Consumer<UpstreamException> check) {
    StepVerifier.create(mono)
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOfSatisfying(UpstreamException.class, check::accept))
        .verify(WAIT);
  }

  private static String fixture(String name) {
    return new String(Fixtures.bytes(name), StandardCharsets.UTF_8);
  }

  private static String firstEventOf(String fixture) {
    String stream = fixture(fixture);
    return stream.substring(0, stream.indexOf("\r\n\r\n") + 4);
  }
}
