package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.contract.ProviderContractTest;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The provider contract for the {@code openai} adapter with the default preset, on OpenAI's own
 * recordings.
 */
class OpenAiContractTest extends ProviderContractTest {

  @Override
  protected ProviderAdapterFactory factory() {
    return new OpenAiAdapterFactory();
  }

  @Override
  protected Map<String, String> options() {
    return Map.of();
  }

  @Override
  protected String upstreamUri(boolean stream) {
    return "/v1/chat/completions";
  }

  @Override
  protected Optional<Success> plain() {
    return Optional.of(
        Success.text(
            "openai/chat_completion.json",
            "I'm unable to provide real-time weather",
            new TokenUsage(14, 37, 0, 0)));
  }

  @Override
  protected Optional<Success> streamText() {
    return Optional.of(
        Success.text(
            "openai/chat_stream_text_include_usage.sse",
            "I'm unable to provide real-time",
            new TokenUsage(14, 30, 0, 0)));
  }

  @Override
  protected Optional<Success> streamToolCall() {
    return Optional.of(
        Success.toolCall(
            "openai/chat_stream_tool_call.sse", "get_weather", new TokenUsage(44, 16, 0, 0)));
  }

  /** OpenAI hides the reasoning itself: only the token count shows. */
  @Override
  protected Optional<Success> reasoning() {
    return Optional.of(
        Success.reasoning(
            "openai/chat_completion_reasoning_o3_mini.json",
            null,
            new TokenUsage(13, 238, 0, 192)));
  }

  @Override
  protected Failure errorBeforeStream() {
    return new Failure("openai/error_400_unsupported_value.json", 400, "invalid_request_error");
  }

  /** OpenAI types its 401 {@code invalid_request_error}; the adapter keeps the upstream's type. */
  @Override
  protected Failure badKey() {
    return new Failure("openai/error_401_invalid_api_key.json", 401, "invalid_request_error");
  }

  @Override
  protected void assertRequest(JsonNode body, boolean stream) {
    assertThat(body.path("model").asString()).isEqualTo(UPSTREAM_MODEL);
    if (stream) {
      assertThat(body.path("stream").asBoolean()).isTrue();
      assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
    } else {
      assertThat(body.has("stream_options")).isFalse();
    }
  }
}
