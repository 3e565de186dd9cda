package dev.tollgate.adapter.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.contract.ProviderContractTest;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The provider contract for the {@code gemini} adapter, on Gemini's recordings: the model in the
 * path ({@code :generateContent}, {@code :streamGenerateContent?alt=sse}), the key in {@code
 * x-goog-api-key}, cumulative {@code usageMetadata} reported once at the end, thoughts as reasoning
 * tokens. No Gemini error is recorded: the error bodies are Google's documented RPC status shape.
 */
class GeminiContractTest extends ProviderContractTest {

  @Override
  protected ProviderAdapterFactory factory() {
    return new GeminiAdapterFactory();
  }

  @Override
  protected Map<String, String> options() {
    return Map.of();
  }

  /** Gemini's base URL carries the API version, as the adapter's default does. */
  @Override
  protected URI baseUrl(URI root) {
    return URI.create(root + "/v1beta");
  }

  @Override
  protected String upstreamUri(boolean stream) {
    return "/v1beta/models/"
        + UPSTREAM_MODEL
        + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }

  /** Completion tokens are {@code candidatesTokenCount} 9 plus {@code thoughtsTokenCount} 34. */
  @Override
  protected Optional<Success> plain() {
    return Optional.of(
        Success.text(
            "gemini/generate_content.json",
            "Hello! How can I help you today?",
            new TokenUsage(9, 43, 0, 34)));
  }

  @Override
  protected Optional<Success> streamText() {
    return Optional.of(
        Success.text(
            "gemini/stream_generate_content.sse",
            "The capital of France is Paris.",
            new TokenUsage(13, 8, 0, 0)));
  }

  /** Gemini says {@code STOP} after a function call; the adapter reports {@code tool_calls}. */
  @Override
  protected Optional<Success> streamToolCall() {
    return Optional.of(
        Success.toolCall(
            "gemini/stream_generate_content_function_call.sse",
            "get_country",
            new TokenUsage(29, 10 + 202, 0, 202)));
  }

  /**
   * The thoughts are not shown (no {@code thought} parts), only counted: the last, cumulative
   * {@code usageMetadata} has 80 candidate and 35 thought tokens.
   */
  @Override
  protected Optional<Success> reasoning() {
    return Optional.of(
        Success.reasoning(
            "gemini/stream_generate_content_thinking_usage.sse",
            null,
            new TokenUsage(18, 80 + 35, 0, 35)));
  }

  /** Not recorded: Gemini's answer to a request without contents, as its API returns it. */
  @Override
  protected Failure errorBeforeStream() {
    return Failure.inline(
        "gemini 400 INVALID_ARGUMENT",
        "{\"error\":{\"code\":400,\"message\":\"* GenerateContentRequest.contents: contents is"
            + " not specified\\n\",\"status\":\"INVALID_ARGUMENT\"}}",
        400,
        "invalid_request_error");
  }

  /** Not recorded: Gemini refuses a key with 400 and {@code API_KEY_INVALID}. */
  @Override
  protected Failure badKey() {
    return Failure.inline(
        "gemini 400 API_KEY_INVALID", GeminiErrorMapperTest.BAD_KEY, 400, "authentication_error");
  }

  @Override
  protected String apiKey() {
    return "AIza-contract-test";
  }

  @Override
  protected void assertAuthenticated(HttpHeaders headers) {
    assertThat(headers.get("x-goog-api-key")).isEqualTo(apiKey());
    assertThat(headers.contains("authorization")).isFalse();
  }

  /** The model travels in the path, not the body; {@code max_tokens} becomes maxOutputTokens. */
  @Override
  protected void assertRequest(JsonNode body, boolean stream) {
    assertThat(body.has("model")).isFalse();
    assertThat(body.has("stream")).isFalse();
    assertThat(body.path("contents").path(0).path("role").asString()).isEqualTo("user");
    assertThat(body.path("contents").path(0).path("parts").path(0).path("text").asString())
        .isEqualTo("What is the weather like in SF?");
    assertThat(body.path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(1024);
  }
}
