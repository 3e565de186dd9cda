package dev.tollgate.adapter.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.contract.ReplayUpstream.Answer;
import dev.tollgate.adapter.contract.ReplayUpstream.Request;
import dev.tollgate.adapter.sse.SseStreams;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The scenarios every provider adapter must pass, run against a fake upstream (reactor-netty, port
 * 0) that replays recorded responses from {@code src/test/resources/fixtures/providers}: a plain
 * completion, streamed text, a streamed tool call, reasoning, reported usage, an upstream error
 * before the stream, a failure during the stream, and a bad upstream key.
 *
 * <p>What it checks is the adapter's output in the OpenAI dialect the gateway relays: the {@link
 * UpstreamEvent} kinds ({@code DONE} exactly once and last, comments carrying no data), that the
 * bytes of every chunk are {@code data:} events holding {@code chat.completion.chunk} JSON, and the
 * metering facts (text, reasoning, usage, finish reason) against numbers read by hand from the
 * fixture. Translating adapters (Anthropic, Gemini) pass the same suite as pass-through ones.
 *
 * <p>How to add a provider: subclass and implement the hooks.
 *
 * <ul>
 *   <li>{@link #factory()} and {@link #options()}: the adapter under test, built from a {@link
 *       ProviderSpec} whose base URL points at the fake ({@link #baseUrl(URI)}), with {@link
 *       #apiKey()}, and whose model is {@link #UPSTREAM_MODEL}.
 *   <li>{@link #upstreamUri(boolean)}: the path and query the fake answers on, for a streamed or a
 *       plain call (for example {@code /v1/chat/completions}, or Gemini's {@code
 *       /v1beta/models/contract-model:streamGenerateContent?alt=sse}). Any other URI gets a 404.
 *   <li>{@link #plain()}, {@link #streamText()}, {@link #streamToolCall()}, {@link #reasoning()}:
 *       which fixture serves each scenario and the facts expected from it ({@link Success}). Return
 *       {@link Optional#empty()} only when no recording of that provider exists; the scenario is
 *       then reported as skipped with that reason, never passed.
 *   <li>{@link #errorBeforeStream()} and {@link #badKey()}: an error fixture (or, where none is
 *       recorded, an inline body of the provider's documented shape), the status the fake answers
 *       with and the error type the adapter must report ({@link Failure}).
 *   <li>Optional: {@link #midStreamFailure()} (default: the text stream cut off after half its
 *       events; a subclass may instead append an in-stream error event, as Anthropic sends), {@link
 *       #assertAuthenticated(HttpHeaders)} (default {@code Authorization: Bearer <key>}), {@link
 *       #assertRequest(JsonNode, boolean)} (default: nothing), {@link #request(boolean)}, and
 *       {@link #usageReportedOnce()} (false for an upstream that reports usage on every chunk).
 *   <li>For a provider's own extra tests: {@link #streamFixture(String)} and {@link
 *       #streamFailing(MidStream)} replay a fixture through the same fake and checks.
 * </ul>
 *
 * <p>The fake answers every scenario with the same adapter instance (one per class), so pooled
 * connections are reused across scenarios, as in the gateway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ProviderContractTest {

  /** The model name the adapter is asked to send upstream. */
  protected static final String UPSTREAM_MODEL = "contract-model";

  protected static final JsonMapper JSON = JsonMapper.builder().build();

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private @Nullable ReplayUpstream upstream;
  private @Nullable ProviderAdapter adapter;

  /**
   * A successful scenario.
   *
   * @param fixture the recording to replay, relative to the fixtures directory; {@code .sse} is
   *     served as an event stream and the adapter's {@code stream} is called, anything else as JSON
   *     and {@code complete} is called
   * @param textPrefix how the generated text starts; empty to require only that there is some
   * @param reasoningPrefix how the reasoning text starts; null when the upstream shows none
   * @param toolName the name of the tool called; null when none
   * @param usage the usage in the fixture
   * @param finishReason the finish reason in the fixture
   */
  public record Success(
      String fixture,
      String textPrefix,
      @Nullable String reasoningPrefix,
      @Nullable String toolName,
      TokenUsage usage,
      String finishReason) {

    public static Success text(String fixture, String textPrefix, TokenUsage usage) {
      return new Success(fixture, textPrefix, null, null, usage, "stop");
    }

    public static Success toolCall(String fixture, String toolName, TokenUsage usage) {
      return new Success(fixture, "", null, toolName, usage, "tool_calls");
    }

    public static Success reasoning(
        String fixture, @Nullable String reasoningPrefix, TokenUsage usage) {
      return new Success(fixture, "", reasoningPrefix, null, usage, "stop");
    }
  }

  /**
   * An error the upstream answers instead of a response: the fake's status and body, and the error
   * type the adapter must report.
   *
   * @param fixture the recorded body, relative to the fixtures directory; for an inline body, only
   *     a name for it
   * @param inlineBody a JSON body written out in the test, for an error of the provider's
   *     documented shape that no recording holds; null to serve {@code fixture}
   */
  public record Failure(
      String fixture, int status, String expectedType, @Nullable String inlineBody) {

    public Failure(String fixture, int status, String expectedType) {
      this(fixture, status, expectedType, null);
    }

    /** An error body not in the recordings, as the provider documents it. */
    public static Failure inline(String name, String body, int status, String expectedType) {
      return new Failure(name, status, expectedType, body);
    }
  }

  /**
   * A stream that fails after some events: cut off (no {@code appendFixture}), or followed by an
   * in-stream error event read from {@code appendFixture}.
   */
  public record MidStream(
      String fixture, int eventsBeforeFailure, @Nullable String appendFixture) {}

  // ---- hooks ----

  protected abstract ProviderAdapterFactory factory();

  protected abstract Map<String, String> options();

  /** The path and query the fake upstream answers on. */
  protected abstract String upstreamUri(boolean stream);

  protected abstract Optional<Success> plain();

  protected abstract Optional<Success> streamText();

  protected abstract Optional<Success> streamToolCall();

  protected abstract Optional<Success> reasoning();

  protected abstract Failure errorBeforeStream();

  /**
   * The upstream refuses the key: 401 or 403, or another status the adapter reports as an {@code
   * authentication_error} (Gemini answers a bad key with 400 {@code API_KEY_INVALID}).
   */
  protected abstract Failure badKey();

  /** The base URL configured for the adapter, given the fake's root; default {@code root/v1}. */
  protected URI baseUrl(URI root) {
    return URI.create(root + "/v1");
  }

  protected String apiKey() {
    return "sk-contract-test";
  }

  /** Default: the text stream, cut off after half of its events. */
  protected MidStream midStreamFailure() {
    Success text = streamText().orElseThrow();
    int events = SseStreams.referenceSplit(fixtureBytes(text)).size();
    return new MidStream(text.fixture(), events / 2, null);
  }

  /** Checks the credential on a request; default {@code Authorization: Bearer <key>}. */
  protected void assertAuthenticated(HttpHeaders headers) {
    assertThat(headers.get("authorization")).isEqualTo("Bearer " + apiKey());
  }

  /** Checks the body the adapter sent upstream; default: only that it was JSON. */
  protected void assertRequest(JsonNode body, boolean stream) {}

  /** Whether exactly one event carries usage (true for OpenAI-style final usage). */
  protected boolean usageReportedOnce() {
    return true;
  }

  /** The client's OpenAI request; with a tool when {@code tools}. */
  protected ObjectNode request(boolean tools) {
    ObjectNode body =
        (ObjectNode)
            JSON.readTree(
                """
                {"model":"client-model","max_tokens":1024,
                 "messages":[{"role":"user","content":"What is the weather like in SF?"}]}""");
    if (tools) {
      body.set(
          "tools",
          JSON.readTree(
              """
              [{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
               "properties":{"city":{"type":"string"}},"required":["city"]}}}]"""));
    }
    return body;
  }

  // ---- lifecycle ----

  @BeforeAll
  void startUpstream() {
    ReplayUpstream up = new ReplayUpstream();
    upstream = up;
    ProviderSpec spec =
        new ProviderSpec(
            "contract",
            factory().type(),
            baseUrl(up.root()),
            apiKey(),
            new ProviderSpec.Timeouts(
                Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5)),
            4,
            options());
    adapter = factory().create(spec, Map.of());
  }

  @AfterAll
  void stopUpstream() {
    if (upstream != null) {
      upstream.close();
    }
  }

  // ---- scenarios ----

  @Test
  void plainCompletion() throws Exception {
    Success s = required(plain(), "plain completion");
    UpstreamResponse response = complete(s, false);

    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("object").asString()).isEqualTo("chat.completion");
    JsonNode choice = body.path("choices").path(0);
    assertThat(choice.path("message").path("content").asString()).startsWith(s.textPrefix());
    assertThat(choice.path("finish_reason").asString()).isEqualTo(s.finishReason());
    assertThat(response.text()).startsWith(s.textPrefix()).isNotEmpty();
    assertThat(response.usage()).isEqualTo(s.usage());
  }

  @Test
  void streamingText() throws Exception {
    Success s = required(streamText(), "streamed text");
    Streamed out = stream(s, false);

    assertThat(out.text()).startsWith(s.textPrefix()).isNotEmpty();
    assertThat(out.contentInBytes()).startsWith(s.textPrefix()).isNotEmpty();
    assertThat(out.lastFinishReason()).isEqualTo(s.finishReason());
  }

  @Test
  void streamingToolCall() throws Exception {
    Success s = required(streamToolCall(), "streamed tool call");
    Streamed out = stream(s, true);

    assertThat(out.toolNamesInBytes()).contains(s.toolName());
    assertThat(JSON.readTree(out.toolArgumentsInBytes()).isObject())
        .as("the streamed arguments join to a JSON object")
        .isTrue();
    assertThat(out.text()).as("tool-call output is metered as text").isNotEmpty();
    assertThat(out.lastFinishReason()).isEqualTo("tool_calls");
    assertThat(out.lastUsage()).isEqualTo(s.usage());
  }

  @Test
  void reasoningIsCountedAsReasoning() throws Exception {
    Success s = required(reasoning(), "reasoning");
    String reasoningText;
    String text;
    TokenUsage usage;
    if (s.fixture().endsWith(".sse")) {
      Streamed out = stream(s, false);
      reasoningText = out.reasoning();
      text = out.text();
      usage = out.lastUsage();
      if (s.reasoningPrefix() != null) {
        assertThat(out.reasoningInBytes()).as("reasoning in the relayed chunks").isNotEmpty();
      }
    } else {
      UpstreamResponse response = complete(s, false);
      reasoningText = response.reasoning();
      text = response.text();
      usage = response.usage();
    }
    assertThat(usage).isEqualTo(s.usage());
    assertThat(s.reasoningPrefix() != null || s.usage().reasoningTokens() > 0)
        .as("a reasoning scenario shows reasoning text or reasoning tokens")
        .isTrue();
    if (s.reasoningPrefix() != null) {
      assertThat(reasoningText).startsWith(s.reasoningPrefix()).isNotEmpty();
      assertThat(text).as("reasoning is not metered as text").doesNotContain(s.reasoningPrefix());
    }
  }

  @Test
  void usageIsReportedOnceAtTheEndOfAStream() throws Exception {
    Success s = required(streamText(), "streamed text");
    Streamed out = stream(s, false);

    assertThat(out.lastUsage()).isEqualTo(s.usage());
    List<UpstreamEvent> withUsage = out.events().stream().filter(e -> e.usage() != null).toList();
    if (usageReportedOnce()) {
      assertThat(withUsage).hasSize(1);
    }
    int lastText = -1;
    for (int i = 0; i < out.events().size(); i++) {
      if (out.events().get(i).text() != null) {
        lastText = i;
      }
    }
    assertThat(out.events().indexOf(withUsage.getLast()))
        .as("the final usage comes with or after the last text")
        .isGreaterThanOrEqualTo(lastText);
  }

  @Test
  void upstreamErrorBeforeTheStream() throws Exception {
    Failure f = errorBeforeStream();
    assertStreamFails(f);
  }

  @Test
  void badUpstreamKeyIsAnAuthenticationFailure() throws Exception {
    Failure f = badKey();
    assertThat(
            f.status() == 401
                || f.status() == 403
                || f.expectedType().equals("authentication_error"))
        .as("a bad key is reported as 401, 403 or authentication_error: %s", f)
        .isTrue();
    assertStreamFails(f);

    up().answer(new Answer(upstreamUri(false), f.status(), f.fixture(), f.inlineBody(), -1, null));
    StepVerifier.create(
            adapter().complete(new ChatCall("req-key", request(false), UPSTREAM_MODEL, false)))
        .expectErrorSatisfies(e -> assertFailure(e, f))
        .verify(TIMEOUT);
  }

  @Test
  void upstreamFailureDuringTheStream() throws Exception {
    List<UpstreamEvent> events = streamFailing(midStreamFailure());

    assertThat(events).anyMatch(e -> e.kind() == Kind.CHUNK);
  }

  // ---- helpers ----

  private UpstreamResponse complete(Success s, boolean tools) throws Exception {
    up().answer(new Answer(upstreamUri(false), 200, s.fixture(), null, -1, null));
    UpstreamResponse response =
        adapter()
            .complete(new ChatCall("req-plain", request(tools), UPSTREAM_MODEL, false))
            .block(TIMEOUT);
    assertThat(response).isNotNull();
    checkRequest(false);
    return response;
  }

  /**
   * For a subclass's own tests: streams {@code fixture} through the adapter (a plain request, no
   * tools) and returns its events, after the checks every stream passes.
   */
  protected final List<UpstreamEvent> streamFixture(String fixture) throws Exception {
    return stream(Success.text(fixture, "", TokenUsage.ZERO), false).events();
  }

  /**
   * For a subclass's own tests too: streams a failing upstream ({@link MidStream}) and returns the
   * events the adapter emitted before it failed with a 5xx {@link UpstreamException}; none of them
   * is {@code DONE}, each is a valid OpenAI event.
   */
  protected final List<UpstreamEvent> streamFailing(MidStream m) {
    up().answer(
            new Answer(
                upstreamUri(true),
                200,
                m.fixture(),
                null,
                m.eventsBeforeFailure(),
                m.appendFixture()));
    List<UpstreamEvent> events = new ArrayList<>();
    StepVerifier.create(adapter().stream(call(false)))
        .thenConsumeWhile(
            e -> {
              events.add(e);
              return true;
            })
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(UpstreamException.class);
              assertThat(((UpstreamException) e).status()).isBetween(500, 599);
            })
        .verify(TIMEOUT);
    assertThat(events).noneMatch(e -> e.kind() == Kind.DONE);
    events.forEach(ProviderContractTest::assertOpenAiEvent);
    return events;
  }

  private Streamed stream(Success s, boolean tools) throws Exception {
    up().answer(new Answer(upstreamUri(true), 200, s.fixture(), null, -1, null));
    List<UpstreamEvent> events =
        adapter().stream(new ChatCall("req-stream", request(tools), UPSTREAM_MODEL, true))
            .collectList()
            .block(TIMEOUT);
    assertThat(events).isNotNull().isNotEmpty();
    checkRequest(true);
    assertThat(events.getLast().kind()).as("the last event").isEqualTo(Kind.DONE);
    assertThat(events.stream().filter(e -> e.kind() == Kind.DONE)).hasSize(1);
    events.forEach(ProviderContractTest::assertOpenAiEvent);
    return new Streamed(events);
  }

  private void assertStreamFails(Failure f) throws Exception {
    up().answer(new Answer(upstreamUri(true), f.status(), f.fixture(), f.inlineBody(), -1, null));
    StepVerifier.create(adapter().stream(call(false)))
        .expectErrorSatisfies(e -> assertFailure(e, f))
        .verify(TIMEOUT);
    checkRequest(true);
  }

  private static void assertFailure(Throwable e, Failure f) {
    assertThat(e).isInstanceOf(UpstreamException.class);
    UpstreamException u = (UpstreamException) e;
    assertThat(u.status()).isEqualTo(f.status());
    assertThat(u.type()).isEqualTo(f.expectedType());
    assertThat(u.getMessage()).isNotBlank();
  }

  private void checkRequest(boolean stream) throws InterruptedException {
    Request r = up().takeRequest();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.uri()).isEqualTo(upstreamUri(stream));
    assertAuthenticated(r.headers());
    assertRequest(JSON.readTree(r.body()), stream);
  }

  private ChatCall call(boolean tools) {
    return new ChatCall("req-contract", request(tools), UPSTREAM_MODEL, true);
  }

  private static Success required(Optional<Success> scenario, String what) {
    Assumptions.assumeTrue(
        scenario.isPresent(), "no recorded " + what + " for this provider in the fixtures");
    return scenario.orElseThrow();
  }

  private static byte[] fixtureBytes(Success s) {
    return Fixtures.bytes(s.fixture());
  }

  private ReplayUpstream up() {
    return Objects.requireNonNull(upstream, "upstream");
  }

  private ProviderAdapter adapter() {
    return Objects.requireNonNull(adapter, "adapter");
  }

  /**
   * An event as an OpenAI client receives it: a comment carries no data; {@code DONE} is {@code
   * data: [DONE]}; a chunk is one or more {@code data:} events, each a {@code
   * chat.completion.chunk} object with a {@code choices} array (empty, with usage, for {@code
   * USAGE_ONLY}).
   */
  static void assertOpenAiEvent(UpstreamEvent event) {
    String s = new String(event.bytes(), StandardCharsets.UTF_8);
    assertThat(s).as("an event ends with a blank line").matches("(?s).*\\r?\\n\\r?\\n$");
    switch (event.kind()) {
      case COMMENT -> assertThat(OpenAiChunks.payloads(s)).as("comment data").isEmpty();
      case DONE -> assertThat(OpenAiChunks.payloads(s)).containsExactly("[DONE]");
      case CHUNK, USAGE_ONLY -> {
        List<String> payloads = OpenAiChunks.payloads(s);
        assertThat(payloads).isNotEmpty();
        for (String payload : payloads) {
          JsonNode chunk = JSON.readTree(payload);
          assertThat(chunk.path("object").asString())
              .as(payload)
              .isEqualTo("chat.completion.chunk");
          assertThat(chunk.path("choices").isArray()).as(payload).isTrue();
          if (event.kind() == Kind.USAGE_ONLY) {
            assertThat(chunk.path("choices").isEmpty()).as(payload).isTrue();
            assertThat(chunk.path("usage").isObject()).as(payload).isTrue();
          }
        }
      }
    }
  }
}
