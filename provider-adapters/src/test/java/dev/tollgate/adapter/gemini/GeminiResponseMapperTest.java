package dev.tollgate.adapter.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class GeminiResponseMapperTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void theRecordedResponseBecomesAChatCompletion() {
    UpstreamResponse response =
        GeminiResponseMapper.toResponse(Fixtures.bytes("gemini/generate_content.json"), "fallback");
    JsonNode body = JSON.readTree(response.body());

    assertThat(body.path("id").asString()).startsWith("chatcmpl-");
    assertThat(body.path("object").asString()).isEqualTo("chat.completion");
    assertThat(body.path("created").asLong()).isPositive();
    assertThat(body.path("model").asString()).isEqualTo("gemini-2.5-flash");
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("index").asInt()).isZero();
    assertThat(choice.path("message"))
        .isEqualTo(
            JSON.readTree(
                "{\"role\":\"assistant\",\"content\":\"Hello! How can I help you today?\"}"));
    assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(body.path("usage"))
        .isEqualTo(
            JSON.readTree(
                "{\"prompt_tokens\":9,\"completion_tokens\":43,\"total_tokens\":52,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0},"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":34}}"));
    assertThat(response.usage()).isEqualTo(new TokenUsage(9, 9 + 34, 0, 34));
    assertThat(response.text()).isEqualTo("Hello! How can I help you today?");
    assertThat(response.reasoning()).isEmpty();
  }

  @Test
  void thoughtsAndFunctionCallsAreReasoningAndToolCalls() {
    String gemini =
        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
            + "{\"text\":\"Need the weather.\",\"thought\":true},"
            + "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"c2ln\"}]},"
            + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":20,"
            + "\"cachedContentTokenCount\":5,\"candidatesTokenCount\":6,\"thoughtsTokenCount\":11}}";

    UpstreamResponse response =
        GeminiResponseMapper.toResponse(gemini.getBytes(StandardCharsets.UTF_8), "gemini-x");
    JsonNode body = JSON.readTree(response.body());
    JsonNode message = body.path("choices").get(0).path("message");

    assertThat(body.path("model").asString()).isEqualTo("gemini-x");
    assertThat(message.path("content").isNull()).isTrue();
    assertThat(message.path("reasoning_content").asString()).isEqualTo("Need the weather.");
    JsonNode call = message.path("tool_calls").get(0);
    assertThat(call.path("id").asString()).startsWith("call_");
    assertThat(call.path("type").asString()).isEqualTo("function");
    assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asString()))
        .isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
    assertThat(call.path("extra_content").path("google").path("thought_signature").asString())
        .isEqualTo("c2ln");
    assertThat(body.path("choices").get(0).path("finish_reason").asString())
        .isEqualTo("tool_calls");
    assertThat(response.usage()).isEqualTo(new TokenUsage(20, 17, 5, 11));
    assertThat(response.text()).isEqualTo("get_weather{\"city\":\"Paris\"}");
    assertThat(response.reasoning()).isEqualTo("Need the weather.");
  }

  @Test
  void aBlockedPromptIsAContentFilterError() {
    byte[] body =
        "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{\"promptTokenCount\":4}}"
            .getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> GeminiResponseMapper.toResponse(body, "m"))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.code()).isEqualTo("content_filter");
            });
  }

  @Test
  void aBodyThatIsNoResponseIsAProtocolError() {
    for (String body : java.util.List.of("<html>", "{}", "[]")) {
      assertThatThrownBy(
              () -> GeminiResponseMapper.toResponse(body.getBytes(StandardCharsets.UTF_8), "m"))
          .as(body)
          .isInstanceOfSatisfying(
              UpstreamException.class,
              e -> assertThat(e.code()).isEqualTo("upstream_protocol_error"));
    }
  }

  @Test
  void withoutUsageTheTextIsThereToCount() {
    byte[] body =
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]},\"finishReason\":\"MAX_TOKENS\"}]}"
            .getBytes(StandardCharsets.UTF_8);

    UpstreamResponse response = GeminiResponseMapper.toResponse(body, "m");

    assertThat(response.usage()).isNull();
    assertThat(response.text()).isEqualTo("Hi");
    JsonNode json = JSON.readTree(response.body());
    assertThat(json.has("usage")).isFalse();
    assertThat(json.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
  }
}
