package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.CREATED;
import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.anthropic;
import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.decode;
import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.json;
import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.openAi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.Call;
import dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.Transcript;
import dev.tollgate.adapter.sse.SseStreams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Decodes every recorded Anthropic stream and checks what an OpenAI client would assemble from the
 * translated chunks against what the recording says, read independently ({@link
 * AnthropicFixtureStreams}).
 */
class AnthropicStreamDecoderTest {

  /** Usage as the recordings report it: message_start's input, message_delta's output. */
  private static final Map<String, TokenUsage> USAGE =
      Map.of(
          "anthropic/messages_stream_text.sse", new TokenUsage(135, 10, 0, 0),
          "anthropic/messages_stream_text_basic.sse", new TokenUsage(11, 6, 0, 0),
          "anthropic/messages_stream_text_then_tool_use.sse", new TokenUsage(377, 65, 0, 0),
          "anthropic/messages_stream_thinking.sse", new TokenUsage(43, 282, 0, 0),
          "anthropic/messages_stream_tool_use.sse", new TokenUsage(656, 74, 0, 0));

  static Stream<String> messageStreams() {
    return Fixtures.list("anthropic", ".sse").stream().filter(f -> f.contains("/messages_"));
  }

  @Test
  void everyRecordedMessageStreamHasItsUsageWrittenDown() {
    assertThat(USAGE.keySet()).containsExactlyInAnyOrderElementsOf(messageStreams().toList());
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void anOpenAiClientAssemblesWhatTheRecordingSays(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    Transcript expected = anthropic(stream);

    Transcript got = openAi(decode(stream));

    assertThat(got.id()).isEqualTo(expected.id()).startsWith("msg_");
    assertThat(got.model()).isEqualTo(expected.model()).startsWith("claude-");
    assertThat(got.text()).isEqualTo(expected.text());
    assertThat(got.reasoning()).isEqualTo(expected.reasoning());
    assertThat(got.calls()).isEqualTo(expected.calls());
    assertThat(got.finish())
        .isEqualTo(expected.finish().equals("tool_use") ? "tool_calls" : "stop");
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void endsWithTheFinishChunkThenTheUsageChunkThenDone(String fixture) {
    List<UpstreamEvent> events = decode(Fixtures.bytes(fixture));
    int n = events.size();

    UpstreamEvent finish = events.get(n - 3);
    UpstreamEvent usage = events.get(n - 2);
    assertThat(finish.kind()).isEqualTo(Kind.CHUNK);
    assertThat(finish.finishReason()).isNotNull();
    assertThat(usage.kind()).isEqualTo(Kind.USAGE_ONLY);
    assertThat(usage.usage()).isEqualTo(USAGE.get(fixture));
    assertThat(events.getLast().kind()).isEqualTo(Kind.DONE);
    assertThat(new String(events.getLast().bytes(), StandardCharsets.US_ASCII))
        .isEqualTo("data: [DONE]\n\n");

    // usage is reported once: a partial count on an earlier event would be billed on a cut-off
    assertThat(events.stream().filter(e -> e.usage() != null)).hasSize(1);
    assertThat(events.stream().filter(e -> e.finishReason() != null)).hasSize(1);

    JsonNode usageJson = json(usage.bytes());
    TokenUsage reported = USAGE.get(fixture);
    assertThat(usageJson.path("choices").isArray() && usageJson.path("choices").isEmpty()).isTrue();
    assertThat(usageJson.path("usage").path("prompt_tokens").asLong())
        .isEqualTo(reported.promptTokens());
    assertThat(usageJson.path("usage").path("completion_tokens").asLong())
        .isEqualTo(reported.completionTokens());
    assertThat(usageJson.path("usage").path("total_tokens").asLong())
        .isEqualTo(reported.promptTokens() + reported.completionTokens());
    assertThat(usageJson.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong())
        .isZero();
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void everyChunkIsAnOpenAiChunkOfTheMessage(String fixture) {
    for (UpstreamEvent event : decode(Fixtures.bytes(fixture))) {
      String text = new String(event.bytes(), StandardCharsets.UTF_8);
      switch (event.kind()) {
        case COMMENT -> assertThat(text).isEqualTo(": ping\n\n");
        case DONE -> assertThat(json(event.bytes())).isNull();
        case CHUNK, USAGE_ONLY -> {
          assertThat(text).startsWith("data: {").endsWith("}\n\n");
          assertThat(text.indexOf("\n")).isEqualTo(text.length() - 2); // one data line
          JsonNode chunk = json(event.bytes());
          assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
          assertThat(chunk.path("created").asLong()).isEqualTo(CREATED);
          if (event.kind() == Kind.CHUNK) {
            assertThat(chunk.path("choices")).hasSize(1);
            assertThat(chunk.path("choices").get(0).path("index").asInt()).isZero();
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void meteringFieldsHoldExactlyTheGeneratedTextAndReasoning(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    Transcript expected = anthropic(stream);
    List<UpstreamEvent> events = decode(stream);

    String text = join(events.stream().map(UpstreamEvent::text).toList());
    String reasoning = join(events.stream().map(UpstreamEvent::reasoning).toList());

    StringBuilder tools = new StringBuilder();
    for (Call call : expected.calls()) {
      tools.append(call.name()).append(call.arguments());
    }
    // text streams before tools in every recording
    assertThat(text).isEqualTo(expected.text() + tools);
    assertThat(reasoning).isEqualTo(expected.reasoning());
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void theSameEventsWhereverTheReadsAreCut(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    List<String> whole = asText(decode(stream));
    int step = stream.length > 4000 ? 97 : 1; // every cut of the small ones
    for (int cut = 1; cut < stream.length; cut += step) {
      assertThat(asText(decode(stream, List.of(cut)))).as("cut at %d", cut).isEqualTo(whole);
    }
    Random random = new Random(fixture.hashCode());
    for (int round = 0; round < 20; round++) {
      List<Integer> cuts = new ArrayList<>();
      for (int at = 1 + random.nextInt(9); at < stream.length; at += 1 + random.nextInt(9)) {
        cuts.add(at);
      }
      assertThat(asText(decode(stream, cuts))).as("round %d", round).isEqualTo(whole);
    }
  }

  @Test
  void anOverloadedErrorEventIsA503WithAnthropicsWords() {
    byte[] stream = Fixtures.bytes("anthropic/stream_error_overloaded.sse");

    assertThatThrownBy(() -> decode(stream))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.type()).isEqualTo("overloaded_error");
              assertThat(e.getMessage()).isEqualTo("Overloaded");
            });
  }

  @Test
  void anErrorAfterTextComesAfterTheTextDecodedBeforeIt() {
    byte[] text = Fixtures.bytes("anthropic/messages_stream_text_basic.sse");
    String head = new String(text, StandardCharsets.UTF_8);
    head = head.substring(0, head.indexOf("event: content_block_stop"));
    AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(CREATED);
    List<UpstreamEvent> before = new ArrayList<>();
    for (byte[] e : SseStreams.split(head.getBytes(StandardCharsets.UTF_8))) {
      before.addAll(decoder.decode(e));
    }
    byte[] error =
        Fixtures.bytes("anthropic/stream_error_overloaded.sse"); // one event with its blank line

    assertThat(join(before.stream().map(UpstreamEvent::text).toList())).isEqualTo("Hello there!");
    assertThatThrownBy(() -> decoder.decode(error))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(503));
  }

  @Test
  void aStreamThatEndsBeforeMessageStopIsAProtocolError() {
    String text =
        new String(Fixtures.bytes("anthropic/messages_stream_text.sse"), StandardCharsets.UTF_8);
    byte[] cut =
        text.substring(0, text.indexOf("event: message_delta")).getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> decode(cut))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.code()).isEqualTo("upstream_protocol_error");
            });
  }

  @Test
  void contentBeforeMessageStartIsAProtocolError() {
    byte[] stream =
        ("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n")
            .getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> decode(stream))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo("upstream_protocol_error");
              assertThat(e.getMessage()).contains("content_block_delta before message_start");
            });
  }

  @Test
  void commentsAndEmptyDataLinesAreSkippedAndPingsKeepTheClientAlive() {
    String stream =
        ": a comment\n\n"
            + start("msg_4", 1, 0, 0)
            + "data:\n\n"
            + event("{\"type\": \"ping\"}")
            + event("{\"type\":\"some_future_event\",\"x\":1}")
            + stop("end_turn", 2);

    List<UpstreamEvent> events = decode(stream.getBytes(StandardCharsets.UTF_8));

    assertThat(events.stream().map(UpstreamEvent::kind))
        .containsExactly(Kind.CHUNK, Kind.COMMENT, Kind.CHUNK, Kind.USAGE_ONLY, Kind.DONE);
  }

  @Test
  void anEventThatIsNotJsonIsAProtocolError() {
    String stream = start("msg_5", 1, 0, 0) + "event: content_block_delta\ndata: {\"type\":\n\n";

    assertThatThrownBy(() -> decode(stream.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> assertThat(e.code()).isEqualTo("upstream_protocol_error"));
  }

  @Test
  void aToolCallWithoutArgumentsGetsAnEmptyObject() {
    String stream =
        start("msg_1", 10, 0, 0)
            + event(
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
                    + "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"now\",\"input\":{}}}")
            + event(
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                    + "\"input_json_delta\",\"partial_json\":\"\"}}")
            + event("{\"type\":\"content_block_stop\",\"index\":0}")
            + stop("tool_use", 12);

    Transcript got = openAi(decode(stream.getBytes(StandardCharsets.UTF_8)));

    assertThat(got.calls()).containsExactly(new Call("toolu_1", "now", "{}"));
    assertThat(got.finish()).isEqualTo("tool_calls");
  }

  @Test
  void cachedInputIsPartOfThePromptAndReportedAsCached() {
    String stream = start("msg_2", 5, 100, 20) + stop("max_tokens", 7);

    List<UpstreamEvent> events = decode(stream.getBytes(StandardCharsets.UTF_8));

    UpstreamEvent usage =
        events.stream().filter(e -> e.kind() == Kind.USAGE_ONLY).findFirst().orElseThrow();
    assertThat(usage.usage()).isEqualTo(new TokenUsage(125, 7, 100, 0, 20, 0));
    JsonNode json = json(usage.bytes()).path("usage");
    assertThat(json.path("prompt_tokens").asLong()).isEqualTo(125);
    assertThat(json.path("total_tokens").asLong()).isEqualTo(132);
    assertThat(json.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(100);
    assertThat(openAi(events).finish()).isEqualTo("length");
  }

  @Test
  void theFinishChunkWaitsForMessageStopWhenMessageDeltaHasNoStopReason() {
    String stream =
        start("msg_3", 1, 0, 0)
            + event("{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":3}}")
            + event("{\"type\":\"message_stop\"}");

    List<UpstreamEvent> events = decode(stream.getBytes(StandardCharsets.UTF_8));

    assertThat(events.stream().map(UpstreamEvent::kind))
        .containsExactly(Kind.CHUNK, Kind.CHUNK, Kind.USAGE_ONLY, Kind.DONE);
    assertThat(events.get(1).finishReason()).isEqualTo("stop");
    assertThat(events.get(2).usage()).isEqualTo(new TokenUsage(1, 3, 0, 0));
  }

  @Test
  void theSignatureOfThinkingNeverReachesTheClient() {
    byte[] stream = Fixtures.bytes("anthropic/messages_stream_thinking.sse");
    String signature =
        anthropicField(stream, "signature_delta", "signature"); // a long opaque string

    String relayed = String.join("", asText(decode(stream)));

    assertThat(signature).hasSizeGreaterThan(100);
    assertThat(relayed).doesNotContain(signature.substring(0, 40));
  }

  // ---- helpers ----

  private static String start(String id, int input, int cacheRead, int cacheCreation) {
    return event(
        "{\"type\":\"message_start\",\"message\":{\"id\":\""
            + id
            + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\","
            + "\"content\":[],\"usage\":{\"input_tokens\":"
            + input
            + ",\"cache_read_input_tokens\":"
            + cacheRead
            + ",\"cache_creation_input_tokens\":"
            + cacheCreation
            + ",\"output_tokens\":1}}}");
  }

  private static String stop(String reason, int output) {
    return event(
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""
                + reason
                + "\"},\"usage\":{\"output_tokens\":"
                + output
                + "}}")
        + event("{\"type\":\"message_stop\"}");
  }

  private static String event(String json) {
    String type = json.substring(9, json.indexOf('"', 9));
    return "event: " + type + "\ndata: " + json + "\n\n";
  }

  private static String anthropicField(byte[] stream, String deltaType, String field) {
    for (String event : SseStreams.referenceSplit(stream)) {
      JsonNode json = json(event.getBytes(StandardCharsets.ISO_8859_1));
      if (json != null && json.path("delta").path("type").asString("").equals(deltaType)) {
        return json.path("delta").path(field).asString();
      }
    }
    throw new AssertionError("no " + deltaType);
  }

  private static String join(List<String> parts) {
    return String.join("", parts.stream().filter(Objects::nonNull).toList());
  }

  private static List<String> asText(List<UpstreamEvent> events) {
    return events.stream()
        .map(
            e ->
                e.kind()
                    + " "
                    + new String(e.bytes(), StandardCharsets.UTF_8)
                    + " "
                    + e.text()
                    + " "
                    + e.reasoning()
                    + " "
                    + e.usage()
                    + " "
                    + e.finishReason())
        .toList();
  }
}
