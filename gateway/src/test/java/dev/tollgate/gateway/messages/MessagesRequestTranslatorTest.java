package dev.tollgate.gateway.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Anthropic Messages requests in, the chat-completions body every adapter understands out. */
class MessagesRequestTranslatorTest {

  private static ObjectNode translate(String json) {
    ObjectNode request = (ObjectNode) Json.MAPPER.readTree(json);
    MessagesRequests.validate(request);
    return MessagesRequestTranslator.translate(request);
  }

  private static JsonNode json(String json) {
    return Json.MAPPER.readTree(json);
  }

  @Test
  void theSimplestRequest() {
    ObjectNode chat =
        translate(
            "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}");
    assertThat(chat)
        .isEqualTo(
            json(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                    + "\"max_tokens\":100}"));
  }

  @Test
  void everyTopLevelField() {
    ObjectNode chat =
        translate(
            """
            {"model":"m","max_tokens":2048,"stream":true,"temperature":0.5,"top_p":0.9,
             "top_k":40,"metadata":{"user_id":"u1"},"stop_sequences":["END","STOP"],
             "system":"Be brief.",
             "messages":[{"role":"user","content":"Hi"}]}
            """);
    assertThat(chat.get("stream").asBoolean()).isTrue();
    assertThat(chat.get("temperature").asDouble()).isEqualTo(0.5);
    assertThat(chat.get("top_p").asDouble()).isEqualTo(0.9);
    assertThat(chat.get("stop")).isEqualTo(json("[\"END\",\"STOP\"]"));
    assertThat(chat.get("max_tokens").asLong()).isEqualTo(2048);
    assertThat(chat.has("top_k")).isFalse();
    assertThat(chat.has("metadata")).isFalse();
    assertThat(chat.get("messages").get(0))
        .isEqualTo(json("{\"role\":\"system\",\"content\":\"Be brief.\"}"));
  }

  @Test
  void systemTextBlocksAreOneSystemMessage() {
    ObjectNode chat =
        translate(
            """
            {"model":"m","max_tokens":10,
             "system":[{"type":"text","text":"One."},
                       {"type":"text","text":"Two.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":"Hi"}]}
            """);
    assertThat(chat.get("messages").get(0))
        .isEqualTo(json("{\"role\":\"system\",\"content\":\"One.\\n\\nTwo.\"}"));
  }

  @Test
  void userContentBlocksTextAndImages() {
    ObjectNode chat =
        translate(
            """
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},
              {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]}]}
            """);
    assertThat(chat.get("messages").get(0))
        .isEqualTo(
            json(
                """
                {"role":"user","content":[
                  {"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},
                  {"type":"image_url","image_url":{"url":"https://example.com/a.jpg"}}]}
                """));
  }

  @Test
  void aToolRoundTrip() {
    ObjectNode chat =
        translate(
            """
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":[
                {"type":"thinking","thinking":"hmm","signature":"sig"},
                {"type":"text","text":"Let me check."},
                {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
                {"type":"tool_result","tool_use_id":"toolu_2",
                 "content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
                 "is_error":true},
                {"type":"text","text":"Thanks"}]}]}
            """);
    assertThat(chat.get("messages"))
        .isEqualTo(
            json(
                """
                [{"role":"user","content":"Weather in Paris?"},
                 {"role":"assistant","content":"Let me check.","tool_calls":[
                   {"id":"toolu_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                 {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
                 {"role":"tool","tool_call_id":"toolu_2","content":"ab"},
                 {"role":"user","content":"Thanks"}]
                """));
  }

  @Test
  void anAssistantTurnOfOnlyToolUseHasNullContent() {
    ObjectNode chat =
        translate(
            """
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}]}
            """);
    assertThat(chat.get("messages").get(1).get("content").isNull()).isTrue();
    assertThat(chat.get("messages").get(1).get("tool_calls").get(0).path("function"))
        .isEqualTo(json("{\"name\":\"f\",\"arguments\":\"{}\"}"));
  }

  @Test
  void toolsAreFunctions() {
    ObjectNode chat =
        translate(
            """
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
             "tools":[{"name":"get_weather","description":"Weather now",
                       "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                      {"type":"custom","name":"bare","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"auto","disable_parallel_tool_use":true}}
            """);
    assertThat(chat.get("tools"))
        .isEqualTo(
            json(
                """
                [{"type":"function","function":{"name":"get_weather","description":"Weather now",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                 {"type":"function","function":{"name":"bare","parameters":{"type":"object"}}}]
                """));
    assertThat(chat.get("tool_choice").asString()).isEqualTo("auto");
    assertThat(chat.get("parallel_tool_calls").asBoolean()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"auto\"}                | \"auto\"",
        "{\"type\":\"any\"}                 | \"required\"",
        "{\"type\":\"none\"}                | \"none\"",
        "{\"type\":\"tool\",\"name\":\"f\"} | {\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
      })
  void toolChoice(String anthropic, String openAi) {
    ObjectNode chat =
        translate(
            "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"tool_choice\":"
                + anthropic
                + "}");
    assertThat(chat.get("tool_choice")).isEqualTo(json(openAi));
    assertThat(chat.has("parallel_tool_calls")).isFalse();
  }

  @ParameterizedTest(name = "budget {0} -> {1}")
  @CsvSource({"1024, low", "4095, low", "4096, medium", "16383, medium", "16384, high"})
  void thinkingBudgetIsAReasoningEffort(long budget, String effort) {
    ObjectNode chat =
        translate(
            "{\"model\":\"m\",\"max_tokens\":32000,\"thinking\":{\"type\":\"enabled\","
                + "\"budget_tokens\":"
                + budget
                + "},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(chat.get("reasoning_effort").asString()).isEqualTo(effort);
  }

  @Test
  void disabledThinkingSetsNoEffort() {
    ObjectNode chat =
        translate(
            "{\"model\":\"m\",\"max_tokens\":10,\"thinking\":{\"type\":\"disabled\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(chat.has("reasoning_effort")).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "document block | {\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{}}]}"
            + " | messages.0.content.0.type",
        "file image     | {\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"file\"}}]}"
            + " | messages.0.content.0.source.type",
        "image in tool result | {\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"image\"}]}]}"
            + " | messages.0.content.0.content.0",
        "tool_use from user | {\"role\":\"user\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\"}]}"
            + " | messages.0.content.0.type",
        "block without type | {\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}"
            + " | messages.0.content.0",
      })
  void whatHasNoEquivalentIsRefused(String what, String message, String field) {
    assertThatThrownBy(
            () -> translate("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[" + message + "]}"))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).startsWith(field);
            });
  }

  @Test
  void serverToolsAreRefused() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search_20250305\","
                        + "\"name\":\"web_search\"}]}"))
        .isInstanceOf(GatewayException.class)
        .hasMessageStartingWith("tools.0.type");
  }
}
