package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.openAi;
import static dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.delayed;
import static dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.json;
import static dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.ProviderSpec.Timeouts;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.Call;
import dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.Transcript;
import dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.Received;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Anthropic adapter against a fake Anthropic API over real HTTP, for what the provider contract
 * ({@link AnthropicContractTest}: plain, streamed text and tool call, reasoning, usage, an error
 * before and during the stream, a bad key) does not show: the adapter's defaults and clock, request
 * translation of tools and reasoning effort, a text-then-tool stream, rate limiting, the exact
 * in-stream error, then what is particular to this adapter (refusal before upstream, cancellation,
 * timeouts, options).
 */
class AnthropicAdapterTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "sk-ant-test-key";
  private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

  private static FakeAnthropicUpstream upstream;
  private static ProviderAdapter adapter;

  @BeforeAll
  static void start() {
    upstream = new FakeAnthropicUpstream();
    adapter = adapter(Map.of(), Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @BeforeEach
  void drain() throws InterruptedException {
    while (upstream.pending() > 0) {
      upstream.take();
    }
  }

  // ---- the contract scenarios, beyond what the contract checks ----

  @Test
  void plain() throws InterruptedException {
    upstream.script(json(200, Fixtures.bytes("anthropic/message.json")));

    UpstreamResponse response = adapter.complete(call(false, "")).block(WAIT);

    JsonNode body = Json.MAPPER.readTree(response.body());
    assertThat(body.path("object").asString()).isEqualTo("chat.completion");
    assertThat(body.path("created").asLong()).isEqualTo(NOW.getEpochSecond());
    assertThat(body.path("choices").get(0).path("message").path("content").asString())
        .startsWith("The weather in SF is currently");
    assertThat(response.text()).startsWith("The weather in SF is currently");
    assertThat(response.usage()).isEqualTo(new TokenUsage(705, 25, 0, 0));

    Received request = upstream.take();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v1/messages");
    assertThat(request.headers().get("x-api-key")).isEqualTo(KEY);
    assertThat(request.headers().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(request.headers().get("content-type")).isEqualTo("application/json");
    assertThat(request.headers().contains("authorization")).isFalse();
    assertThat(request.headers().contains("anthropic-beta")).isFalse();
    JsonNode sent = Json.MAPPER.readTree(request.body());
    assertThat(sent.path("model").asString()).isEqualTo("claude-haiku-4-5");
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(4096);
    assertThat(sent.has("stream")).isFalse();
  }

  @Test
  void toolCalls() throws InterruptedException {
    upstream.script(sse(Fixtures.bytes("anthropic/messages_stream_text_then_tool_use.sse"), 13));

    List<UpstreamEvent> events =
        adapter.stream(call(true, ",\"tools\":" + WEATHER_TOOL)).collectList().block(WAIT);

    Transcript got = openAi(events);
    assertThat(got.text()).isEqualTo("I'll check the current weather in Paris for you.");
    assertThat(got.calls())
        .containsExactly(
            new Call("toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", "{\"location\": \"Paris\"}"));
    assertThat(got.finish()).isEqualTo("tool_calls");
    JsonNode sent = Json.MAPPER.readTree(upstream.take().body());
    assertThat(sent.path("tools").get(0).path("name").asString()).isEqualTo("get_weather");
    assertThat(sent.path("tools").get(0).path("input_schema").path("type").asString())
        .isEqualTo("object");

    upstream.script(json(200, Fixtures.bytes("anthropic/message_tool_use.json")));
    UpstreamResponse whole =
        adapter.complete(call(false, ",\"tools\":" + WEATHER_TOOL)).block(WAIT);
    JsonNode message = Json.MAPPER.readTree(whole.body()).path("choices").get(0);
    assertThat(message.path("finish_reason").asString()).isEqualTo("tool_calls");
    assertThat(
            message
                .path("message")
                .path("tool_calls")
                .get(0)
                .path("function")
                .path("name")
                .asString())
        .isEqualTo("get_weather");
  }

  @Test
  void reasoning() throws InterruptedException {
    upstream.script(sse(Fixtures.bytes("anthropic/messages_stream_thinking.sse"), 101));

    List<UpstreamEvent> events =
        adapter.stream(call(true, ",\"reasoning_effort\":\"minimal\"")).collectList().block(WAIT);

    Transcript got = openAi(events);
    assertThat(got.reasoning())
        .startsWith("This is a straightforward question about pedestrian safety.");
    assertThat(got.text()).isNotEmpty();
    assertThat(
            String.join(
                "", events.stream().map(e -> e.reasoning() == null ? "" : e.reasoning()).toList()))
        .isEqualTo(got.reasoning());
    JsonNode sent = Json.MAPPER.readTree(upstream.take().body());
    assertThat(sent.path("thinking").path("budget_tokens").asInt()).isEqualTo(1024);
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(4096);
  }

  @Test
  void rateLimited() {
    upstream.script(json(429, Fixtures.bytes("anthropic/error_429_rate_limit.json")));

    StepVerifier.create(adapter.stream(call(true, "")))
        .expectErrorSatisfies(upstreamError(429, "rate_limit_error", "This request would exceed"))
        .verify(WAIT);
  }

  @Test
  void errorMidStream() {
    String text =
        new String(Fixtures.bytes("anthropic/messages_stream_text.sse"), StandardCharsets.UTF_8);
    byte[] stream =
        (text.substring(0, text.indexOf("event: content_block_stop"))
                + new String(
                    Fixtures.bytes("anthropic/stream_error_overloaded.sse"),
                    StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    upstream.script(sse(stream, 50));

    StringBuilder relayed = new StringBuilder();
    StepVerifier.create(adapter.stream(call(true, "")))
        .thenConsumeWhile(
            e -> e.kind() != Kind.DONE, e -> relayed.append(e.text() == null ? "" : e.text()))
        .expectErrorSatisfies(upstreamError(503, "overloaded_error", "Overloaded"))
        .verify(WAIT);
    assertThat(relayed.toString()).isEqualTo("[12345,67890]");
  }

  // ---- particular to this adapter ----

  @Test
  void anUntranslatableRequestFailsWithoutCallingTheUpstream() {
    upstream.script(json(200, Fixtures.bytes("anthropic/message.json")));

    StepVerifier.create(adapter.stream(call(true, ",\"n\":3")))
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(UpstreamException.class);
              assertThat(((UpstreamException) e).status()).isEqualTo(400);
              assertThat(((UpstreamException) e).param()).isEqualTo("n");
            })
        .verify(WAIT);
    StepVerifier.create(adapter.complete(call(false, ",\"logprobs\":true")))
        .expectErrorSatisfies(
            e -> assertThat(((UpstreamException) e).param()).isEqualTo("logprobs"))
        .verify(WAIT);
    assertThat(upstream.pending()).isZero();
  }

  @Test
  void eachSubscriptionIsItsOwnStreamWithItsOwnDecoder() {
    upstream.script(sse(Fixtures.bytes("anthropic/messages_stream_text_then_tool_use.sse"), 29));
    Flux<UpstreamEvent> stream = adapter.stream(call(true, ""));

    Transcript first = openAi(stream.collectList().block(WAIT));
    Transcript second = openAi(stream.collectList().block(WAIT));

    // a decoder shared by both would see a second message_start and fail, or number the second
    // stream's tool call 1
    assertThat(second).isEqualTo(first);
    assertThat(second.calls()).hasSize(1);
  }

  @Test
  void cancellingTheStreamCancelsTheUpstreamRequest() throws InterruptedException {
    String text =
        new String(Fixtures.bytes("anthropic/messages_stream_text.sse"), StandardCharsets.UTF_8);
    byte[] head =
        text.substring(0, text.indexOf("event: content_block_stop"))
            .getBytes(StandardCharsets.UTF_8);
    CountDownLatch cancelled = new CountDownLatch(1);
    upstream.script(FakeAnthropicUpstream.endless(head, cancelled));

    StepVerifier.create(adapter.stream(call(true, "")).filter(e -> e.text() != null).take(1))
        .assertNext(e -> assertThat(e.text()).isNotEmpty())
        .expectComplete()
        .verify(WAIT);

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aStreamCutBeforeMessageStopIsAProtocolError() {
    String text =
        new String(Fixtures.bytes("anthropic/messages_stream_text.sse"), StandardCharsets.UTF_8);
    upstream.script(
        sse(
            text.substring(0, text.indexOf("event: message_stop")).getBytes(StandardCharsets.UTF_8),
            200));

    StepVerifier.create(adapter.stream(call(true, "")).filter(e -> e.kind() == Kind.DONE))
        .expectErrorSatisfies(
            e -> assertThat(((UpstreamException) e).code()).isEqualTo("upstream_protocol_error"))
        .verify(WAIT);
  }

  /**
   * As the OpenAI adapter does after {@code [DONE]}: an upstream that sent {@code message_stop} and
   * then neither closed the response nor sent anything for longer than the idle timeout used to
   * fail a stream the client had already received in full with a 504.
   */
  @Test
  void anUpstreamThatStallsAfterMessageStopEndsTheStreamWithoutAnError() {
    ProviderAdapter idle = adapter(Map.of(), Duration.ofSeconds(5), Duration.ofMillis(300));
    upstream.script(
        FakeAnthropicUpstream.stallsAfter(
            Fixtures.bytes("anthropic/messages_stream_text.sse"), Duration.ofSeconds(2)));

    List<UpstreamEvent> events = idle.stream(call(true, "")).collectList().block(WAIT);

    assertThat(events.getLast().kind()).isEqualTo(Kind.DONE);
    assertThat(openAi(events).finish()).isEqualTo("stop");
  }

  @Test
  void aSilentUpstreamTimesOutAfterTheFirstByteTimeout() {
    ProviderAdapter impatient = adapter(Map.of(), Duration.ofMillis(300));
    upstream.script(
        delayed(Duration.ofSeconds(3), json(200, Fixtures.bytes("anthropic/message.json"))));

    StepVerifier.create(impatient.stream(call(true, "")))
        .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).status()).isEqualTo(504))
        .verify(WAIT);
    StepVerifier.create(impatient.complete(call(false, "")))
        .expectErrorSatisfies(e -> assertThat(((UpstreamException) e).status()).isEqualTo(504))
        .verify(WAIT);
  }

  @Test
  void optionsSetTheVersionBetaAndDefaultMaxTokens() throws InterruptedException {
    ProviderAdapter configured =
        adapter(
            Map.of(
                "anthropic-version", "2024-01-01",
                "anthropic-beta", "prompt-caching-2024-07-31",
                "default-max-tokens", "1000"),
            Duration.ofSeconds(5));
    upstream.script(json(200, Fixtures.bytes("anthropic/message.json")));

    configured.complete(call(false, "")).block(WAIT);

    Received request = upstream.take();
    assertThat(request.headers().get("anthropic-version")).isEqualTo("2024-01-01");
    assertThat(request.headers().get("anthropic-beta")).isEqualTo("prompt-caching-2024-07-31");
    assertThat(Json.MAPPER.readTree(request.body()).path("max_tokens").asInt()).isEqualTo(1000);
  }

  @Test
  void theFactoryIsFoundByItsType() {
    ProviderAdapterFactory factory =
        ServiceLoader.load(ProviderAdapterFactory.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(f -> f.type().equals("anthropic"))
            .findFirst()
            .orElseThrow();

    ProviderAdapter created =
        factory.create(
            spec(Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(5), KEY, null), Map.of());

    assertThat(created).isInstanceOf(AnthropicAdapter.class);
  }

  @Test
  void aBadOptionIsRefusedWithItsName() {
    Map<String, String> bad = Map.of("default-max-tokens", "-5");

    assertThatThrownBy(() -> adapter(bad, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("options.default-max-tokens: '-5' (expected: a whole number > 0)");
  }

  // ---- helpers ----

  private static final String WEATHER_TOOL =
      "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
          + "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}}]";

  private static Consumer<Throwable> upstreamError(int status, String type, String messageStart) {
    return e -> {
      assertThat(e).isInstanceOf(UpstreamException.class);
      UpstreamException u = (UpstreamException) e;
      assertThat(u.status()).isEqualTo(status);
      assertThat(u.type()).isEqualTo(type);
      assertThat(u.getMessage()).startsWith(messageStart);
    };
  }

  private static ChatCall call(boolean stream, String extraFields) {
    String body =
        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]"
            + (stream ? ",\"stream\":true" : "")
            + extraFields
            + "}";
    return new ChatCall("req-1", (ObjectNode) Json.MAPPER.readTree(body), "claude-haiku-4-5", true);
  }

  private static ProviderAdapter adapter(Map<String, String> options, Duration firstByte) {
    return adapter(options, firstByte, Duration.ofSeconds(5));
  }

  private static ProviderAdapter adapter(
      Map<String, String> options, Duration firstByte, Duration idle) {
    return new AnthropicAdapter(
        spec(options, firstByte, idle, KEY, URI.create(upstream.baseUrl())),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static ProviderSpec spec(
      Map<String, String> options,
      Duration firstByte,
      Duration idle,
      String key,
      @Nullable URI baseUrl) {
    return new ProviderSpec(
        "anthropic-test",
        "anthropic",
        baseUrl,
        key,
        new Timeouts(Duration.ofSeconds(2), firstByte, idle),
        4,
        options);
  }
}
