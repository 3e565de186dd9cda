package dev.tollgate.adapter.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.openai.OpenAiStreamDecoder;
import dev.tollgate.adapter.tokens.TokenEstimator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class MockAdapterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final TokenEstimator TOKENS = TokenEstimator.shared();
  private static final String REQUEST =
      """
      {"model":"mock-fast","messages":[
        {"role":"system","content":"You answer in one sentence."},
        {"role":"user","name":"ada","content":"Tell me about foxes."}]}""";

  private final MockAdapter adapter = new MockAdapter(MockSettings.DEFAULT, TOKENS);

  @Test
  void streamEmitsRoleTokensFinishUsageAndDone() {
    ChatCall call = call(REQUEST);
    long prompt = TOKENS.countPrompt(JSON.readTree(REQUEST));
    int n = MockSettings.DEFAULT.tokens();

    StepVerifier.create(adapter.stream(call).collectList())
        .assertNext(
            events -> {
              assertThat(events).hasSize(1 + n + 3);
              UpstreamEvent role = events.getFirst();
              assertThat(role.kind()).isEqualTo(Kind.CHUNK);
              assertThat(role.text()).isNull();
              assertThat(json(role).path("choices").path(0).path("delta").path("role").asString())
                  .isEqualTo("assistant");
              for (int i = 0; i < n; i++) {
                UpstreamEvent token = events.get(1 + i);
                assertThat(token.kind()).isEqualTo(Kind.CHUNK);
                assertThat(token.text()).isEqualTo(MockText.token(i));
                assertThat(token.finishReason()).isNull();
                assertThat(token.usage()).isNull();
              }
              UpstreamEvent finish = events.get(1 + n);
              assertThat(finish.kind()).isEqualTo(Kind.CHUNK);
              assertThat(finish.finishReason()).isEqualTo("stop");
              UpstreamEvent usage = events.get(2 + n);
              assertThat(usage.kind()).isEqualTo(Kind.USAGE_ONLY);
              assertThat(usage.usage()).isEqualTo(new TokenUsage(prompt, n, 0, 0));
              assertThat(events.getLast().kind()).isEqualTo(Kind.DONE);
              assertThat(new String(events.getLast().bytes(), StandardCharsets.US_ASCII))
                  .isEqualTo("data: [DONE]\n\n");
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void whatTheMockSaysAboutAnEventIsWhatItsBytesSay() {
    // the gateway meters mock events from these fields; a real upstream's are decoded from bytes
    StepVerifier.create(adapter.stream(call(REQUEST)).collectList())
        .assertNext(
            events ->
                assertThat(events)
                    .allSatisfy(
                        event -> {
                          UpstreamEvent decoded = OpenAiStreamDecoder.decode(event.bytes());
                          assertThat(decoded.kind()).isEqualTo(event.kind());
                          assertThat(decoded.text()).isEqualTo(event.text());
                          assertThat(decoded.reasoning()).isEqualTo(event.reasoning());
                          assertThat(decoded.usage()).isEqualTo(event.usage());
                          assertThat(decoded.finishReason()).isEqualTo(event.finishReason());
                        }))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void reportedUsageIsTheTokensEmittedAndThePromptEstimate() {
    String request =
        """
        {"model":"m","messages":[{"role":"user","content":"Hello"}],"max_tokens":40}""";
    ProviderAdapter longer =
        new MockAdapter(new MockSettings(Duration.ZERO, Duration.ZERO, 57), TOKENS);

    StepVerifier.create(longer.stream(call(request)).collectList())
        .assertNext(
            events -> {
              List<String> tokens =
                  events.stream().map(UpstreamEvent::text).filter(t -> t != null).toList();
              TokenUsage usage =
                  events.stream()
                      .map(UpstreamEvent::usage)
                      .filter(u -> u != null)
                      .findFirst()
                      .orElseThrow();
              assertThat(tokens).hasSize(40);
              assertThat(usage.completionTokens()).isEqualTo(40);
              assertThat(TOKENS.count(String.join("", tokens))).isEqualTo(40);
              // 3 reply priming + 3 message framing + "user" + "Hello", one token each
              assertThat(usage.promptTokens())
                  .isEqualTo(TOKENS.countPrompt(JSON.readTree(request)))
                  .isEqualTo(8);
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void maxTokensCapsTheAnswerWithFinishReasonLength() {
    assertStream(
        "{\"messages\":[],\"max_tokens\":5}",
        events -> {
          assertThat(tokenTexts(events))
              .containsExactly("The", " quick", " brown", " fox", " jumps");
          assertThat(finishReason(events)).isEqualTo("length");
          assertThat(usage(events).completionTokens()).isEqualTo(5);
        });
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokens() {
    assertStream(
        "{\"messages\":[],\"max_completion_tokens\":3,\"max_tokens\":10}",
        events -> {
          assertThat(tokenTexts(events)).hasSize(3);
          assertThat(finishReason(events)).isEqualTo("length");
          assertThat(usage(events).completionTokens()).isEqualTo(3);
        });
  }

  @Test
  void aCapAtOrAboveTheAnswerLengthChangesNothing() {
    for (int cap : new int[] {16, 17, 1000}) {
      assertStream(
          "{\"messages\":[],\"max_tokens\":" + cap + "}",
          events -> {
            assertThat(tokenTexts(events)).hasSize(16);
            assertThat(finishReason(events)).isEqualTo("stop");
          });
    }
  }

  @Test
  void streamIsPacedByTimeToFirstTokenAndInterTokenDelay() {
    MockAdapter paced =
        new MockAdapter(
            new MockSettings(Duration.ofMillis(500), Duration.ofMillis(100), 3), TOKENS);

    StepVerifier.withVirtualTime(() -> paced.stream(call("{\"messages\":[]}")))
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(500))
        .assertNext(role -> assertThat(role.text()).isNull())
        .assertNext(token -> assertThat(token.text()).isEqualTo("The"))
        .expectNoEvent(Duration.ofMillis(100))
        .assertNext(token -> assertThat(token.text()).isEqualTo(" quick"))
        .expectNoEvent(Duration.ofMillis(100))
        .assertNext(token -> assertThat(token.text()).isEqualTo(" brown"))
        .assertNext(finish -> assertThat(finish.finishReason()).isEqualTo("stop"))
        .assertNext(usage -> assertThat(usage.kind()).isEqualTo(Kind.USAGE_ONLY))
        .assertNext(done -> assertThat(done.kind()).isEqualTo(Kind.DONE))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void completeTakesAsLongAsTheWholeStreamWould() {
    MockAdapter paced =
        new MockAdapter(
            new MockSettings(Duration.ofMillis(500), Duration.ofMillis(100), 3), TOKENS);

    // 500 ms to the first token, then 2 gaps of 100 ms: the last token comes at 700 ms
    StepVerifier.withVirtualTime(() -> paced.complete(call("{\"messages\":[]}")))
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(700))
        .assertNext(response -> assertThat(response.text()).isEqualTo("The quick brown"))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void completeBodyIsJsonWithTheSameUsage() {
    long prompt = TOKENS.countPrompt(JSON.readTree(REQUEST));

    StepVerifier.create(adapter.complete(call(REQUEST)))
        .assertNext(
            response -> {
              JsonNode body = JSON.readTree(response.body());
              assertThat(body.path("object").asString()).isEqualTo("chat.completion");
              assertThat(body.path("id").asString()).isEqualTo("chatcmpl-req-1");
              assertThat(body.path("model").asString()).isEqualTo("mock-upstream");
              JsonNode choice = body.path("choices").path(0);
              assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
              assertThat(choice.path("message").path("content").asString())
                  .isEqualTo(MockText.text(16))
                  .isEqualTo(response.text());
              assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
              JsonNode usage = body.path("usage");
              assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(prompt);
              assertThat(usage.path("completion_tokens").asLong()).isEqualTo(16);
              assertThat(usage.path("total_tokens").asLong()).isEqualTo(prompt + 16);
              assertThat(response.usage()).isEqualTo(new TokenUsage(prompt, 16, 0, 0));
              assertThat(response.reasoning()).isEmpty();
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void completeHonoursMaxTokens() {
    StepVerifier.create(adapter.complete(call("{\"messages\":[],\"max_tokens\":2}")))
        .assertNext(
            response -> {
              JsonNode body = JSON.readTree(response.body());
              assertThat(body.path("choices").path(0).path("finish_reason").asString())
                  .isEqualTo("length");
              assertThat(response.text()).isEqualTo("The quick");
              assertThat(response.usage().completionTokens()).isEqualTo(2);
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void requestIdAndModelAreJsonEscaped() {
    ChatCall call =
        new ChatCall("a\"b\\c", (ObjectNode) JSON.readTree("{\"messages\":[]}"), "m\"1", false);

    StepVerifier.create(adapter.stream(call).collectList())
        .assertNext(
            events -> {
              for (UpstreamEvent event : events.subList(0, events.size() - 1)) {
                JsonNode chunk = json(event);
                assertThat(chunk.path("id").asString()).isEqualTo("chatcmpl-a\"b\\c");
                assertThat(chunk.path("model").asString()).isEqualTo("m\"1");
              }
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void factoryIsFoundByTypeAndModelOptionsOverrideProviderOptions() {
    ProviderAdapterFactory factory =
        ServiceLoader.load(ProviderAdapterFactory.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(f -> f.type().equals("mock"))
            .findFirst()
            .orElseThrow();
    ProviderSpec spec =
        new ProviderSpec(
            "local",
            "mock",
            null,
            "",
            new ProviderSpec.Timeouts(
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
            1,
            Map.of("tokens", "8", "ttft-ms", "0"));

    ProviderAdapter mock = factory.create(spec, Map.of("tokens", "3"));

    StepVerifier.create(mock.stream(call("{\"messages\":[]}")).collectList())
        .assertNext(events -> assertThat(tokenTexts(events)).hasSize(3))
        .expectComplete()
        .verify(TIMEOUT);
  }

  private void assertStream(String request, Consumer<List<UpstreamEvent>> check) {
    StepVerifier.create(adapter.stream(call(request)).collectList())
        .assertNext(check)
        .expectComplete()
        .verify(TIMEOUT);
  }

  private static ChatCall call(String request) {
    return new ChatCall("req-1", (ObjectNode) JSON.readTree(request), "mock-upstream", true);
  }

  private static JsonNode json(UpstreamEvent event) {
    String s = new String(event.bytes(), StandardCharsets.UTF_8);
    assertThat(s).startsWith("data: ").endsWith("\n\n");
    return JSON.readTree(s.substring("data: ".length()));
  }

  private static List<String> tokenTexts(List<UpstreamEvent> events) {
    return events.stream().map(UpstreamEvent::text).filter(t -> t != null).toList();
  }

  private static String finishReason(List<UpstreamEvent> events) {
    return events.stream()
        .map(UpstreamEvent::finishReason)
        .filter(f -> f != null)
        .reduce((a, b) -> a + "," + b)
        .orElseThrow();
  }

  private static TokenUsage usage(List<UpstreamEvent> events) {
    return events.stream()
        .map(UpstreamEvent::usage)
        .filter(u -> u != null)
        .findFirst()
        .orElseThrow();
  }
}
