package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.contract.ProviderContractTest;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The provider contract for preset {@code openrouter}, on its one recording: {@code : OPENROUTER
 * PROCESSING} comments between events, reasoning as {@code delta.reasoning} (repeated in {@code
 * reasoning_details}), and usage next to a non-empty {@code choices}.
 */
class OpenRouterContractTest extends ProviderContractTest {

  private static final String STREAM = "openrouter/chat_stream_reasoning.sse";
  private static final TokenUsage USAGE = new TokenUsage(43, 36, 0, 13);

  @Override
  protected ProviderAdapterFactory factory() {
    return new OpenAiAdapterFactory();
  }

  @Override
  protected Map<String, String> options() {
    return Map.of(
        "preset", "openrouter", "http-referer", "https://tollgate.dev", "x-title", "Tollgate");
  }

  @Override
  protected String upstreamUri(boolean stream) {
    return "/v1/chat/completions";
  }

  /** Not recorded: the fixtures hold only one OpenRouter stream. */
  @Override
  protected Optional<Success> plain() {
    return Optional.empty();
  }

  @Override
  protected Optional<Success> streamText() {
    return Optional.of(Success.text(STREAM, "2 + 2 = 4", USAGE));
  }

  /** Not recorded. */
  @Override
  protected Optional<Success> streamToolCall() {
    return Optional.empty();
  }

  @Override
  protected Optional<Success> reasoning() {
    return Optional.of(Success.reasoning(STREAM, "This is a simple arithmetic question.", USAGE));
  }

  /** No recorded OpenRouter error body: OpenRouter uses the OpenAI error envelope. */
  @Override
  protected Failure errorBeforeStream() {
    return new Failure("openai/error_400_unsupported_value.json", 400, "invalid_request_error");
  }

  @Override
  protected Failure badKey() {
    return new Failure("openai/error_401_invalid_api_key.json", 401, "invalid_request_error");
  }

  @Override
  protected void assertAuthenticated(HttpHeaders headers) {
    super.assertAuthenticated(headers);
    assertThat(headers.get("HTTP-Referer")).isEqualTo("https://tollgate.dev");
    assertThat(headers.get("X-Title")).isEqualTo("Tollgate");
  }

  @Override
  protected void assertRequest(JsonNode body, boolean stream) {
    assertThat(body.path("model").asString()).isEqualTo(UPSTREAM_MODEL);
    if (stream) {
      assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
    }
  }

  /**
   * The comments before the first data event are dropped, the ones between events relayed as
   * comments (an SSE client ignores them); neither changes the metering. {@code reasoning_details}
   * repeats {@code reasoning} and is not counted a second time.
   */
  @Test
  void processingCommentsChangeNothingAndReasoningIsCountedOnce() throws Exception {
    List<UpstreamEvent> events = streamFixture(STREAM);

    assertThat(events.getFirst().kind()).isEqualTo(Kind.CHUNK);
    List<UpstreamEvent> comments = events.stream().filter(e -> e.kind() == Kind.COMMENT).toList();
    assertThat(comments).hasSize(2); // of 4: the 2 leading ones are dropped
    for (UpstreamEvent comment : comments) {
      assertThat(new String(comment.bytes(), StandardCharsets.UTF_8))
          .isEqualTo(": OPENROUTER PROCESSING\n\n");
      assertThat(comment.text()).isNull();
      assertThat(comment.usage()).isNull();
    }
    String reasoning =
        String.join(
            "", events.stream().map(UpstreamEvent::reasoning).filter(Objects::nonNull).toList());
    assertThat(reasoning).isEqualTo("This is a simple arithmetic question. 2+2 equals 4.");
    assertThat(events.stream().filter(e -> e.usage() != null)).hasSize(1);
  }

  /**
   * Regression: a stream that fails after only OpenRouter's processing comments reached the gateway
   * used to count as served (the comments were relayed), so the failure went to the client inside a
   * 200 stream and was billed as partial. Now nothing is emitted before the failure.
   */
  @Test
  void aFailureAfterOnlyProcessingCommentsEmitsNothing() {
    List<UpstreamEvent> events = streamFailing(new MidStream(STREAM, 2, null));

    assertThat(events).isEmpty();
  }
}
