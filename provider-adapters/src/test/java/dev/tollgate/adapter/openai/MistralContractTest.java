package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.contract.ProviderContractTest;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The provider contract for preset {@code mistral}, on Mistral's recordings: thinking as structured
 * content parts, usage in the last content chunk and no {@code stream_options} sent.
 */
class MistralContractTest extends ProviderContractTest {

  private static final String MAGISTRAL = "mistral/chat_stream_magistral_thinking.sse";
  private static final TokenUsage MAGISTRAL_USAGE = new TokenUsage(10, 232, 0, 0);

  @Override
  protected ProviderAdapterFactory factory() {
    return new OpenAiAdapterFactory();
  }

  @Override
  protected Map<String, String> options() {
    return Map.of("preset", "mistral");
  }

  @Override
  protected String upstreamUri(boolean stream) {
    return "/v1/chat/completions";
  }

  @Override
  protected Optional<Success> plain() {
    return Optional.of(
        Success.text(
            "mistral/chat_completion.json",
            "Hello! \uD83D\uDE0A How",
            new TokenUsage(4, 36, 0, 0)));
  }

  /** The only recorded Mistral stream is magistral's: its answer follows the thinking. */
  @Override
  protected Optional<Success> streamText() {
    return Optional.of(Success.text(MAGISTRAL, "To cross the street safely", MAGISTRAL_USAGE));
  }

  /** Not recorded: the fixtures hold no Mistral tool-call stream. */
  @Override
  protected Optional<Success> streamToolCall() {
    return Optional.empty();
  }

  /**
   * Thinking arrives as structured content parts; Mistral does not count reasoning tokens apart
   * ({@code completion_tokens} includes them), so only the text shows it.
   */
  @Override
  protected Optional<Success> reasoning() {
    return Optional.of(Success.reasoning(MAGISTRAL, "Okay, the user is", MAGISTRAL_USAGE));
  }

  /** No recorded Mistral error body: the OpenAI error envelope stands in. */
  @Override
  protected Failure errorBeforeStream() {
    return new Failure("openai/error_400_unsupported_value.json", 400, "invalid_request_error");
  }

  @Override
  protected Failure badKey() {
    return new Failure("openai/error_401_invalid_api_key.json", 401, "invalid_request_error");
  }

  @Override
  protected void assertRequest(JsonNode body, boolean stream) {
    assertThat(body.path("model").asString()).isEqualTo(UPSTREAM_MODEL);
    assertThat(body.has("stream_options")).as("Mistral refuses stream_options").isFalse();
  }
}
