package dev.tollgate.adapter.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Whole Anthropic messages (recorded ones where there are) as OpenAI chat completions. */
class AnthropicResponseMapperTest {

  private static final long CREATED = 1_763_700_000L;

  @Test
  void aTextMessageBecomesAChatCompletion() {
    UpstreamResponse response =
        AnthropicResponseMapper.toResponse(Fixtures.bytes("anthropic/message.json"), CREATED);
    JsonNode body = Json.MAPPER.readTree(response.body());

    assertThat(body.path("id").asString()).isEqualTo("msg_01LzoWDaDa7jiMvVbBiguxJy");
    assertThat(body.path("object").asString()).isEqualTo("chat.completion");
    assertThat(body.path("created").asLong()).isEqualTo(CREATED);
    assertThat(body.path("model").asString()).isEqualTo("claude-haiku-4-5-20251001");
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
    assertThat(choice.path("message").path("content").asString())
        .isEqualTo("The weather in SF is currently **20°C** (68°F) and **Sunny**!");
    assertThat(choice.path("message").has("tool_calls")).isFalse();
    assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
    assertThat(body.path("usage"))
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"prompt_tokens\":705,\"completion_tokens\":25,\"total_tokens\":730,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0}}"));
    assertThat(response.usage()).isEqualTo(new TokenUsage(705, 25, 0, 0));
    assertThat(response.text()).isEqualTo(choice.path("message").path("content").asString());
    assertThat(response.reasoning()).isEmpty();
  }

  @Test
  void aToolUseMessageBecomesToolCallsWithArgumentsAsAString() {
    UpstreamResponse response =
        AnthropicResponseMapper.toResponse(
            Fixtures.bytes("anthropic/message_tool_use.json"), CREATED);
    JsonNode message = Json.MAPPER.readTree(response.body()).path("choices").get(0);

    assertThat(message.path("finish_reason").asString()).isEqualTo("tool_calls");
    assertThat(message.path("message").path("content").isNull()).isTrue();
    JsonNode call = message.path("message").path("tool_calls").get(0);
    assertThat(call.path("id").asString()).isEqualTo("toolu_013DU6hV4C1M8dJ32ybQFAFi");
    assertThat(call.path("type").asString()).isEqualTo("function");
    assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
    assertThat(Json.MAPPER.readTree(call.path("function").path("arguments").asString()))
        .isEqualTo(Json.MAPPER.readTree("{\"location\":\"SF\",\"units\":\"c\"}"));
    assertThat(response.usage()).isEqualTo(new TokenUsage(597, 71, 0, 0));
    assertThat(response.text()).isEqualTo("get_weather{\"location\":\"SF\",\"units\":\"c\"}");
  }

  @Test
  void thinkingBecomesReasoningContentAndCacheReadsAreCachedPromptTokens() {
    String message =
        "{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\","
            + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Let me think.\",\"signature\":\"sig\"},"
            + "{\"type\":\"redacted_thinking\",\"data\":\"opaque\"},"
            + "{\"type\":\"text\",\"text\":\"42\"}],\"stop_reason\":\"max_tokens\","
            + "\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":300,"
            + "\"cache_creation_input_tokens\":50,\"output_tokens\":90}}";

    UpstreamResponse response =
        AnthropicResponseMapper.toResponse(message.getBytes(StandardCharsets.UTF_8), CREATED);
    JsonNode body = Json.MAPPER.readTree(response.body());

    JsonNode reply = body.path("choices").get(0).path("message");
    assertThat(reply.path("content").asString()).isEqualTo("42");
    assertThat(reply.path("reasoning_content").asString()).isEqualTo("Let me think.");
    assertThat(body.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
    assertThat(response.usage()).isEqualTo(new TokenUsage(360, 90, 300, 0, 50, 0));
    assertThat(body.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
        .isEqualTo(300);
    assertThat(response.reasoning()).isEqualTo("Let me think.");
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).doesNotContain("sig", "opaque");
  }

  @Test
  void aBodyThatIsNotAMessageIsAProtocolError() {
    assertThatThrownBy(
            () ->
                AnthropicResponseMapper.toResponse(
                    "{\"type\":\"completion\"}".getBytes(StandardCharsets.UTF_8), CREATED))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> assertThat(e.code()).isEqualTo("upstream_protocol_error"));
    assertThatThrownBy(
            () ->
                AnthropicResponseMapper.toResponse(
                    "<html>".getBytes(StandardCharsets.UTF_8), CREATED))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(502));
  }

  @Test
  void oneHourCacheWritesAreReportedApartFromFiveMinuteOnes() {
    AnthropicWire.Usage usage =
        AnthropicWire.Usage.NONE.merge(
            Json.MAPPER.readTree(
                "{\"input_tokens\":10,\"cache_read_input_tokens\":100,"
                    + "\"cache_creation_input_tokens\":7,\"cache_creation\":"
                    + "{\"ephemeral_5m_input_tokens\":5,\"ephemeral_1h_input_tokens\":2},"
                    + "\"output_tokens\":20}"));
    assertThat(usage.toTokenUsage()).isEqualTo(new TokenUsage(117, 20, 100, 0, 7, 2));
    // without the total, the split adds up to it
    AnthropicWire.Usage split =
        AnthropicWire.Usage.NONE.merge(
            Json.MAPPER.readTree(
                "{\"input_tokens\":1,\"cache_creation\":"
                    + "{\"ephemeral_5m_input_tokens\":3,\"ephemeral_1h_input_tokens\":4}}"));
    assertThat(split.toTokenUsage()).isEqualTo(new TokenUsage(8, 0, 0, 0, 7, 4));
  }
}
