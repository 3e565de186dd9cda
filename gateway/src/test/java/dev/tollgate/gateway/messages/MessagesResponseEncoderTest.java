package dev.tollgate.gateway.messages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.gateway.support.Fixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** A whole chat.completion in, an Anthropic message out. */
class MessagesResponseEncoderTest {

  private static JsonNode encode(String completion, TokenUsage usage, long cost) {
    return Json.MAPPER.readTree(
        MessagesResponseEncoder.encode(
            completion.getBytes(StandardCharsets.UTF_8), "msg_1", "claude-x", usage, cost));
  }

  @Test
  void theRecordedCompletion() {
    JsonNode message =
        encode(Fixtures.read("openai/chat_completion.json"), new TokenUsage(14, 37, 0, 0), 1500);

    assertThat(message)
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                {"type":"message","id":"msg_1","role":"assistant","model":"claude-x",
                 "content":[{"type":"text","text":"I'm unable to provide real-time weather \
                updates. To get the current weather in San Francisco, I recommend checking a \
                reliable weather website or app like the Weather Channel or a local news \
                station."}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":14,"output_tokens":37,"cache_creation_input_tokens":0,
                          "cache_read_input_tokens":0,"cost":0.0000015}}
                """));
  }

  @Test
  void reasoningTextAndToolCallsAreBlocksInThatOrder() {
    String completion =
        """
        {"object":"chat.completion","choices":[{"index":0,"finish_reason":"tool_calls",
         "message":{"role":"assistant","reasoning_content":"Think.","content":"Checking.",
          "tool_calls":[
           {"id":"call_1","type":"function","function":{"name":"a","arguments":"{\\"x\\":1}"}},
           {"id":"call_2","type":"function","function":{"name":"b","arguments":"{\\"y\\":"}}]}}]}
        """;
    JsonNode message = encode(completion, new TokenUsage(100, 20, 40, 5), 0);

    assertThat(message.get("content"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"type":"thinking","thinking":"Think.","signature":""},
                 {"type":"text","text":"Checking."},
                 {"type":"tool_use","id":"call_1","name":"a","input":{"x":1}},
                 {"type":"tool_use","id":"call_2","name":"b","input":{}}]
                """));
    assertThat(message.get("stop_reason").asString()).isEqualTo("tool_use");
    // cached prompt tokens are Anthropic's cache reads, outside input_tokens
    assertThat(message.path("usage").path("input_tokens").asLong()).isEqualTo(60);
    assertThat(message.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(40);
    assertThat(message.path("usage").path("output_tokens").asLong()).isEqualTo(20);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "stop, end_turn",
    "length, max_tokens",
    "tool_calls, tool_use",
    "function_call, tool_use",
    "content_filter, refusal"
  })
  void finishReasons(String finish, String stop) {
    String completion =
        "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"" + finish + "\"}]}";
    JsonNode message = encode(completion, TokenUsage.ZERO, 0);
    assertThat(message.get("stop_reason").asString()).isEqualTo(stop);
    assertThat(message.get("content")).isEmpty();
  }
}
