package dev.tollgate.gateway.messages;

import static dev.tollgate.gateway.messages.EncoderHarness.types;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.messages.EncoderHarness.Sse;
import dev.tollgate.gateway.support.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Recorded OpenAI streams in, the exact Anthropic event sequence out. */
class MessagesStreamEncoderTest {

  private static List<String> expected(Object... parts) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      if (parts[i] instanceof Integer n) {
        out.addAll(Collections.nCopies(n, (String) parts[++i]));
      } else {
        out.add((String) parts[i]);
      }
    }
    return out;
  }

  private static String joined(List<Sse> events, int index, String field) {
    return events.stream()
        .filter(e -> e.type().equals("content_block_delta"))
        .filter(e -> e.data().path("index").asInt() == index)
        .map(e -> e.data().path("delta").path(field).asString())
        .collect(Collectors.joining());
  }

  private static Sse only(List<Sse> events, String type) {
    List<Sse> found = events.stream().filter(e -> e.type().equals(type)).toList();
    assertThat(found).as(type).hasSize(1);
    return found.getFirst();
  }

  @Test
  void aTextStreamWithItsUsageChunk() {
    List<Sse> events =
        new EncoderHarness().run(Fixtures.read("openai/chat_stream_text_include_usage.sse"));

    assertThat(types(events))
        .containsExactlyElementsOf(
            expected(
                "message_start",
                "content_block_start",
                30,
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"));
    Sse start = events.getFirst();
    assertThat(start.data().path("message").path("id").asString()).isEqualTo("msg_0123");
    assertThat(start.data().path("message").path("model").asString()).isEqualTo("claude-x");
    assertThat(start.data().path("message").path("role").asString()).isEqualTo("assistant");
    assertThat(start.data().path("message").path("usage").path("input_tokens").asLong())
        .isEqualTo(EncoderHarness.PROMPT_ESTIMATE);
    assertThat(events.get(1).data().path("index").asInt()).isZero();
    assertThat(events.get(1).data().path("content_block").path("type").asString())
        .isEqualTo("text");
    assertThat(events.get(2).data().path("delta").path("type").asString()).isEqualTo("text_delta");
    assertThat(joined(events, 0, "text"))
        .isEqualTo(
            "I'm unable to provide real-time weather updates. To get the current weather in San"
                + " Francisco, I recommend checking a reliable weather website or a weather app.");
    Sse delta = only(events, "message_delta");
    assertThat(delta.data().path("delta").path("stop_reason").asString()).isEqualTo("end_turn");
    assertThat(delta.data().path("usage").path("input_tokens").asLong()).isEqualTo(14);
    assertThat(delta.data().path("usage").path("output_tokens").asLong()).isEqualTo(30);
    // the tab's price: 14 x 10 + 30 x 20 nano-units
    assertThat(delta.data().path("usage").path("cost").decimalValue())
        .isEqualByComparingTo("0.00000074");
  }

  @Test
  void aToolCallIsAToolUseBlockWithItsArgumentFragments() {
    List<Sse> events = new EncoderHarness().run(Fixtures.read("openai/chat_stream_tool_call.sse"));

    assertThat(types(events))
        .containsExactlyElementsOf(
            expected(
                "message_start",
                "content_block_start",
                7,
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"));
    var block = events.get(1).data().path("content_block");
    assertThat(block.path("type").asString()).isEqualTo("tool_use");
    assertThat(block.path("id").asString()).isEqualTo("call_4XzlGBLtUe9dy3GVNV4jhq7h");
    assertThat(block.path("name").asString()).isEqualTo("get_weather");
    assertThat(block.path("input").isObject()).isTrue();
    assertThat(events.get(2).data().path("delta").path("type").asString())
        .isEqualTo("input_json_delta");
    assertThat(joined(events, 0, "partial_json")).isEqualTo("{\"city\":\"New York City\"}");
    Sse delta = only(events, "message_delta");
    assertThat(delta.data().path("delta").path("stop_reason").asString()).isEqualTo("tool_use");
    assertThat(delta.data().path("usage").path("output_tokens").asLong()).isEqualTo(16);
  }

  @Test
  void parallelToolCallsAreConsecutiveBlocks() {
    List<Sse> events =
        new EncoderHarness().run(Fixtures.read("openai/chat_stream_parallel_tool_calls.sse"));

    assertThat(types(events))
        .containsExactlyElementsOf(
            expected(
                "message_start",
                "content_block_start",
                11,
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                9,
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"));
    assertThat(events.get(1).data().path("content_block").path("name").asString())
        .isEqualTo("GetWeatherArgs");
    assertThat(events.get(14).data().path("index").asInt()).isEqualTo(1);
    assertThat(events.get(14).data().path("content_block").path("name").asString())
        .isEqualTo("get_stock_price");
    assertThat(events.get(13).data().path("index").asInt()).isZero(); // block 0 stops first
    assertThat(joined(events, 0, "partial_json"))
        .isEqualTo("{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}");
    assertThat(joined(events, 1, "partial_json"))
        .isEqualTo("{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}");
  }

  @Test
  void reasoningIsAThinkingBlockBeforeTheTextAndKeepAlivesArePings() {
    List<Sse> events =
        new EncoderHarness().run(Fixtures.read("openrouter/chat_stream_reasoning.sse"));

    assertThat(events.getFirst().type()).isEqualTo("message_start");
    assertThat(events.get(1).type()).isEqualTo("ping"); // ": OPENROUTER PROCESSING"
    List<Sse> starts = events.stream().filter(e -> e.type().equals("content_block_start")).toList();
    assertThat(starts).hasSize(2);
    assertThat(starts.get(0).data().path("content_block").path("type").asString())
        .isEqualTo("thinking");
    assertThat(starts.get(0).data().path("index").asInt()).isZero();
    assertThat(starts.get(1).data().path("content_block").path("type").asString())
        .isEqualTo("text");
    assertThat(starts.get(1).data().path("index").asInt()).isEqualTo(1);
    assertThat(joined(events, 0, "thinking")).startsWith("This is a simple arithmetic question.");
    assertThat(joined(events, 1, "text")).isNotEmpty();
    // blocks are well nested: the thinking block stops before the text block starts
    List<String> skeleton =
        types(events).stream().filter(t -> !t.equals("content_block_delta")).toList();
    assertThat(skeleton.stream().filter(t -> !t.equals("ping")).toList())
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_stop",
            "content_block_start",
            "content_block_stop",
            "message_delta",
            "message_stop");
    assertThat(only(events, "message_delta").data().path("usage").path("output_tokens").asLong())
        .isEqualTo(36);
  }

  @Test
  void mistralStructuredThinkingContentIsAThinkingBlock() {
    List<Sse> events =
        new EncoderHarness().run(Fixtures.read("mistral/chat_stream_magistral_thinking.sse"));

    List<Sse> starts = events.stream().filter(e -> e.type().equals("content_block_start")).toList();
    assertThat(starts)
        .extracting(e -> e.data().path("content_block").path("type").asString())
        .containsExactly("thinking", "text");
    assertThat(joined(events, 0, "thinking")).isNotEmpty();
    assertThat(joined(events, 1, "text")).isNotEmpty();
    assertThat(types(events).getLast()).isEqualTo("message_stop");
  }

  @Test
  void textThenAToolCallSwitchesBlocks() {
    EncoderHarness harness = new EncoderHarness();
    harness.feed(chunk("{\"content\":\"Let me look.\"}", null));
    harness.feed(
        chunk(
            "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"q\\\":1}\"}}]}",
            null));
    harness.feed(chunk("{}", "\"tool_calls\""));
    harness.feed("data: [DONE]\n\n");
    List<Sse> events = EncoderHarness.parse(harness.out.toString());

    assertThat(types(events))
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    assertThat(events.get(4).data().path("index").asInt()).isEqualTo(1);
    assertThat(events.get(5).data().path("delta").path("partial_json").asString())
        .isEqualTo("{\"q\":1}");
    assertThat(harness.encoder.end()).isNull(); // [DONE] ended it already
  }

  @Test
  void withoutUsageOrDoneTheEndCarriesTheLocalCount() {
    EncoderHarness harness = new EncoderHarness();
    harness.feed(chunk("{\"content\":\"Hello\"}", null));
    harness.feed(chunk("{}", "\"length\""));
    harness.append(harness.encoder.end());
    List<Sse> events = EncoderHarness.parse(harness.out.toString());

    Sse delta = only(events, "message_delta");
    assertThat(delta.data().path("delta").path("stop_reason").asString()).isEqualTo("max_tokens");
    assertThat(delta.data().path("usage").path("input_tokens").asLong())
        .isEqualTo(EncoderHarness.PROMPT_ESTIMATE);
    assertThat(delta.data().path("usage").path("output_tokens").asLong()).isEqualTo(1);
    assertThat(types(events).getLast()).isEqualTo("message_stop");
  }

  @Test
  void aCutOffEndsCleanlyWithMaxTokensAndANote() {
    EncoderHarness harness = new EncoderHarness();
    harness.feed(chunk("{\"content\":\"Hello\"}", null));
    harness.append(harness.encoder.cutOff());
    List<Sse> events = EncoderHarness.parse(harness.out.toString());

    assertThat(types(events))
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    Sse delta = only(events, "message_delta");
    assertThat(delta.data().path("delta").path("stop_reason").asString()).isEqualTo("max_tokens");
    assertThat(delta.data().path("error_note").path("type").asString())
        .isEqualTo("insufficient_balance");
  }

  @Test
  void aFailureMidStreamIsAnErrorEvent() {
    EncoderHarness harness = new EncoderHarness();
    harness.feed(chunk("{\"content\":\"Hel\"}", null));
    harness.append(
        harness.encoder.error(UpstreamException.unavailable("upstream stream failed", null)));
    List<Sse> events = EncoderHarness.parse(harness.out.toString());

    Sse error = events.getLast();
    assertThat(error.event()).isEqualTo("error");
    // before it, what the failed request is charged: the prompt and what was delivered
    Sse charged = events.get(events.size() - 2);
    assertThat(charged.type()).isEqualTo("message_delta");
    assertThat(charged.data().path("usage").path("output_tokens").asLong()).isPositive();
    assertThat(charged.data().path("usage").path("cost").decimalValue()).isPositive();
    assertThat(error.data().path("error").path("type").asString()).isEqualTo("api_error");
    assertThat(error.data().path("error").path("message").asString())
        .isEqualTo("upstream stream failed");
    assertThat(harness.encoder.end()).isNull();
    byte[] timeout = harness.encoder.error(UpstreamException.timeout("no answer"));
    assertThat(new String(timeout, StandardCharsets.UTF_8))
        .startsWith("event: error\ndata: ")
        .contains("\"type\":\"timeout_error\"");
  }

  private static String chunk(String delta, String finishReason) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + finishReason
        + "}]}\n\n";
  }
}
