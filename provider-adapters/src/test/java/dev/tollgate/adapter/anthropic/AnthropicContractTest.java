package dev.tollgate.adapter.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.contract.ProviderContractTest;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The provider contract for the {@code anthropic} adapter, on Anthropic's recordings: Messages API
 * on {@code /v1/messages} for plain and streamed calls, the key in {@code x-api-key}, and a failing
 * stream that ends with Anthropic's in-stream {@code error} event.
 */
class AnthropicContractTest extends ProviderContractTest {

  @Override
  protected ProviderAdapterFactory factory() {
    return new AnthropicAdapterFactory();
  }

  @Override
  protected Map<String, String> options() {
    return Map.of();
  }

  @Override
  protected String upstreamUri(boolean stream) {
    return "/v1/messages";
  }

  @Override
  protected Optional<Success> plain() {
    return Optional.of(
        Success.text(
            "anthropic/message.json",
            "The weather in SF is currently **20°C**",
            new TokenUsage(705, 25, 0, 0)));
  }

  /** {@code end_turn}; the usage is {@code message_delta}'s (input 135, output 10). */
  @Override
  protected Optional<Success> streamText() {
    return Optional.of(
        Success.text(
            "anthropic/messages_stream_text.sse", "[12345,67890]", new TokenUsage(135, 10, 0, 0)));
  }

  @Override
  protected Optional<Success> streamToolCall() {
    return Optional.of(
        Success.toolCall(
            "anthropic/messages_stream_tool_use.sse",
            "get_weather",
            new TokenUsage(656, 74, 0, 0)));
  }

  /**
   * Thinking blocks stream as reasoning; Anthropic counts thinking inside {@code output_tokens} and
   * reports no reasoning tokens apart, so only the text shows it.
   */
  @Override
  protected Optional<Success> reasoning() {
    return Optional.of(
        Success.reasoning(
            "anthropic/messages_stream_thinking.sse",
            "This is a straightforward question about pedestrian safety.",
            new TokenUsage(43, 282, 0, 0)));
  }

  @Override
  protected Failure errorBeforeStream() {
    return new Failure("anthropic/error_400_invalid_request.json", 400, "invalid_request_error");
  }

  /** Not recorded: the body Anthropic documents for a refused key. */
  @Override
  protected Failure badKey() {
    return Failure.inline(
        "anthropic 401 authentication_error",
        "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
            + "\"message\":\"invalid x-api-key\"}}",
        401,
        "authentication_error");
  }

  /**
   * After the four text deltas (7 events), Anthropic's documented {@code overloaded_error} event;
   * the adapter fails with 503.
   */
  @Override
  protected MidStream midStreamFailure() {
    return new MidStream(
        "anthropic/messages_stream_text.sse", 7, "anthropic/stream_error_overloaded.sse");
  }

  @Override
  protected String apiKey() {
    return "sk-ant-contract-test";
  }

  @Override
  protected void assertAuthenticated(HttpHeaders headers) {
    assertThat(headers.get("x-api-key")).isEqualTo(apiKey());
    assertThat(headers.contains("authorization")).isFalse();
    assertThat(headers.get("anthropic-version")).isEqualTo("2023-06-01");
  }

  @Override
  protected void assertRequest(JsonNode body, boolean stream) {
    assertThat(body.path("model").asString()).isEqualTo(UPSTREAM_MODEL);
    assertThat(body.path("max_tokens").asInt()).isEqualTo(1024);
    assertThat(body.path("stream").asBoolean(false)).isEqualTo(stream);
    assertThat(body.path("messages").path(0).path("role").asString()).isEqualTo("user");
  }
}
