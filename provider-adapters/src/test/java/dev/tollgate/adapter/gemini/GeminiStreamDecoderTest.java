package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiStreams.json;
import static dev.tollgate.adapter.gemini.GeminiStreams.translate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.openai.OpenAiStreamDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Translates the recorded Gemini streams and checks the OpenAI chunks they become. */
class GeminiStreamDecoderTest {

  /** What each recording says, read from the files by hand. */
  private static final Map<String, Expected> RECORDED =
      Map.of(
          "gemini/stream_generate_content.sse",
          new Expected(
              "The capital of France is Paris.\n",
              new TokenUsage(13, 8, 0, 0),
              "stop",
              "gemini-2.0-flash-exp"),
          "gemini/stream_generate_content_thinking_usage.sse",
          new Expected(
              numbers(1, 30), new TokenUsage(18, 80 + 35, 0, 35), "stop", "gemini-2.5-flash"),
          "gemini/stream_generate_content_function_call.sse",
          new Expected(
              "get_country{}",
              new TokenUsage(29, 10 + 202, 0, 202),
              "tool_calls",
              "gemini-3-pro-preview"));

  record Expected(String text, TokenUsage usage, String finishReason, String model) {}

  static Stream<String> streams() {
    return Fixtures.list("gemini", ".sse").stream();
  }

  @Test
  void everyGeminiStreamFixtureHasItsExpectationWrittenDown() {
    assertThat(RECORDED.keySet())
        .containsExactlyInAnyOrderElementsOf(Fixtures.list("gemini", ".sse"));
  }

  @ParameterizedTest
  @MethodSource("streams")
  void endsWithTheFinishChunkTheUsageOnlyChunkAndDone(String fixture) {
    List<UpstreamEvent> events = translate(fixture);
    Expected expected = RECORDED.get(fixture);
    int n = events.size();

    assertThat(events.subList(0, n - 2))
        .allSatisfy(e -> assertThat(e.kind()).isEqualTo(Kind.CHUNK));
    UpstreamEvent finish = events.get(n - 3);
    assertThat(finish.finishReason()).isEqualTo(expected.finishReason());
    JsonNode finishJson = json(finish);
    assertThat(finishJson.path("choices").get(0).path("finish_reason").asString())
        .isEqualTo(expected.finishReason());
    assertThat(finishJson.path("choices").get(0).path("delta").isEmpty()).isTrue();

    UpstreamEvent usage = events.get(n - 2);
    assertThat(usage.kind()).isEqualTo(Kind.USAGE_ONLY);
    assertThat(usage.usage()).isEqualTo(expected.usage());
    JsonNode usageJson = json(usage);
    assertThat(usageJson.path("choices").isArray()).isTrue();
    assertThat(usageJson.path("choices").isEmpty()).isTrue();
    JsonNode u = usageJson.path("usage");
    assertThat(u.path("prompt_tokens").asLong()).isEqualTo(expected.usage().promptTokens());
    assertThat(u.path("completion_tokens").asLong()).isEqualTo(expected.usage().completionTokens());
    assertThat(u.path("total_tokens").asLong())
        .isEqualTo(expected.usage().promptTokens() + expected.usage().completionTokens());
    assertThat(u.path("prompt_tokens_details").path("cached_tokens").asLong()).isZero();
    assertThat(u.path("completion_tokens_details").path("reasoning_tokens").asLong())
        .isEqualTo(expected.usage().reasoningTokens());

    assertThat(events.getLast().kind()).isEqualTo(Kind.DONE);
    assertThat(GeminiStreams.latin1(events.getLast())).isEqualTo("data: [DONE]\n\n");
    // usage and the finish reason are reported once each
    assertThat(events.stream().filter(e -> e.usage() != null)).hasSize(1);
    assertThat(events.stream().filter(e -> e.finishReason() != null)).hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("streams")
  void everyChunkIsAnOpenAiChunkOfOneResponse(String fixture) {
    List<UpstreamEvent> events = translate(fixture);
    List<JsonNode> chunks =
        events.subList(0, events.size() - 1).stream().map(GeminiStreams::json).toList();

    String id = chunks.getFirst().path("id").asString();
    assertThat(id).startsWith("chatcmpl-");
    for (JsonNode chunk : chunks) {
      assertThat(chunk.path("id").asString()).isEqualTo(id);
      assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
      assertThat(chunk.path("model").asString()).isEqualTo(RECORDED.get(fixture).model());
      assertThat(chunk.path("created").asLong())
          .isEqualTo(chunks.getFirst().path("created").asLong())
          .isPositive();
    }
    assertThat(chunks.getFirst().path("choices").get(0).path("delta").path("role").asString())
        .isEqualTo("assistant");
    assertThat(chunks.subList(1, chunks.size()))
        .allSatisfy(c -> assertThat(c.path("choices").path(0).path("delta").has("role")).isFalse());
  }

  @ParameterizedTest
  @MethodSource("streams")
  void meteredTextIsWhatTheChunksCarry(String fixture) {
    List<UpstreamEvent> events = translate(fixture);

    StringBuilder metered = new StringBuilder();
    StringBuilder fromJson = new StringBuilder();
    for (UpstreamEvent e : events) {
      metered.append(Objects.requireNonNullElse(e.text(), ""));
      if (e.kind() != Kind.CHUNK) {
        continue;
      }
      JsonNode delta = json(e).path("choices").path(0).path("delta");
      fromJson.append(delta.path("content").asString(""));
      for (JsonNode call : delta.path("tool_calls")) {
        fromJson.append(call.path("function").path("name").asString());
        fromJson.append(call.path("function").path("arguments").asString());
      }
      assertThat(e.reasoning()).isNull(); // no thought parts in these recordings
    }
    assertThat(metered.toString())
        .isEqualTo(RECORDED.get(fixture).text())
        .isEqualTo(fromJson.toString());
  }

  @ParameterizedTest
  @MethodSource("streams")
  void readsCutAtAnyByteGiveTheSameChunks(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    List<String> whole = comparable(translate(stream));

    for (int cut = 1; cut < stream.length; cut++) {
      assertThat(comparable(translate(stream, cut))).as("cut at %d", cut).isEqualTo(whole);
    }
    int[] everyByte = new int[stream.length - 1];
    for (int i = 0; i < everyByte.length; i++) {
      everyByte[i] = i + 1;
    }
    assertThat(comparable(translate(stream, everyByte))).isEqualTo(whole);
  }

  /** Events without their random id and the clock's created. */
  private static List<String> comparable(List<UpstreamEvent> events) {
    return events.stream()
        .map(
            e -> {
              JsonNode json = json(e);
              if (json.isObject()) {
                ((tools.jackson.databind.node.ObjectNode) json).remove(List.of("id", "created"));
                for (JsonNode choice : json.path("choices")) {
                  for (JsonNode call : choice.path("delta").path("tool_calls")) {
                    ((tools.jackson.databind.node.ObjectNode) call).remove("id");
                  }
                }
              }
              return e.kind()
                  + " "
                  + json
                  + " "
                  + e.text()
                  + " "
                  + e.reasoning()
                  + " "
                  + e.usage()
                  + " "
                  + e.finishReason();
            })
        .toList();
  }

  @ParameterizedTest
  @MethodSource("streams")
  void theOpenAiDecoderReadsTheSameMeteringFactsFromTheChunks(String fixture) {
    // what the adapter reports for metering is what an OpenAI-dialect reader finds in the bytes
    for (UpstreamEvent e : translate(fixture)) {
      UpstreamEvent read = OpenAiStreamDecoder.decode(e.bytes());
      assertThat(read.kind()).as(GeminiStreams.latin1(e)).isEqualTo(e.kind());
      assertThat(read.text()).as(GeminiStreams.latin1(e)).isEqualTo(e.text());
      assertThat(read.reasoning()).isEqualTo(e.reasoning());
      assertThat(read.usage()).isEqualTo(e.usage());
      assertThat(read.finishReason()).isEqualTo(e.finishReason());
    }
  }

  @Test
  void aFunctionCallIsOneWholeToolCallWithItsThoughtSignature() {
    List<UpstreamEvent> events = translate("gemini/stream_generate_content_function_call.sse");

    // the empty text part of the last Gemini event makes no chunk of its own
    assertThat(events).hasSize(4);
    JsonNode delta = json(events.getFirst()).path("choices").get(0).path("delta");
    assertThat(delta.path("role").asString()).isEqualTo("assistant");
    assertThat(delta.has("content")).isFalse();
    JsonNode call = delta.path("tool_calls").get(0);
    assertThat(call.path("index").asInt()).isZero();
    assertThat(call.path("id").asString()).startsWith("call_");
    assertThat(call.path("type").asString()).isEqualTo("function");
    assertThat(call.path("function").path("name").asString()).isEqualTo("get_country");
    assertThat(call.path("function").path("arguments").asString()).isEqualTo("{}");
    assertThat(call.path("extra_content").path("google").path("thought_signature").asString())
        .startsWith("EpwICpkIAXLI2nx")
        .endsWith("onoBDAXOk15QuFyU=");
  }

  @Test
  void thoughtPartsAreReasoningContent() {
    UpstreamEvent event =
        decodeOne(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Let me think.\",\"thought\":true},"
                + "{\"text\":\"Four.\"}],\"role\":\"model\"}}]}");

    JsonNode delta = json(event).path("choices").get(0).path("delta");
    assertThat(delta.path("reasoning_content").asString()).isEqualTo("Let me think.");
    assertThat(delta.path("content").asString()).isEqualTo("Four.");
    assertThat(event.reasoning()).isEqualTo("Let me think.");
    assertThat(event.text()).isEqualTo("Four.");
    UpstreamEvent read = OpenAiStreamDecoder.decode(event.bytes());
    assertThat(read.reasoning()).isEqualTo("Let me think.");
    assertThat(read.text()).isEqualTo("Four.");
  }

  @Test
  void cachedTokensAndSeveralToolCallsAreNumberedAcrossTheStream() {
    GeminiStreamDecoder decoder = new GeminiStreamDecoder("m");
    decoder.decode(
        event(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"a\",\"args\":{\"x\":1}}}]}}]}"));
    List<UpstreamEvent> second =
        decoder.decode(
            event(
                "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"id\":\"up-1\",\"name\":\"b\"}}]},"
                    + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":100,"
                    + "\"cachedContentTokenCount\":60,\"candidatesTokenCount\":7}}"));
    List<UpstreamEvent> end = decoder.finish();

    JsonNode call =
        json(second.getFirst()).path("choices").get(0).path("delta").path("tool_calls").get(0);
    assertThat(call.path("index").asInt()).isEqualTo(1);
    assertThat(call.path("id").asString()).isEqualTo("up-1");
    assertThat(call.path("function").path("arguments").asString()).isEqualTo("{}");
    assertThat(end.get(0).finishReason()).isEqualTo("tool_calls");
    assertThat(end.get(1).usage()).isEqualTo(new TokenUsage(100, 7, 60, 0));
    assertThat(
            json(end.get(1))
                .path("usage")
                .path("prompt_tokens_details")
                .path("cached_tokens")
                .asLong())
        .isEqualTo(60);
  }

  @Test
  void finishReasonsMapToOpenAis() {
    Map<String, String> expected =
        Map.of(
            "STOP", "stop",
            "MAX_TOKENS", "length",
            "SAFETY", "content_filter",
            "RECITATION", "content_filter",
            "BLOCKLIST", "content_filter",
            "PROHIBITED_CONTENT", "content_filter",
            "SPII", "content_filter",
            "OTHER", "stop",
            "MALFORMED_FUNCTION_CALL", "stop");
    expected.forEach(
        (gemini, openAi) -> {
          GeminiStreamDecoder decoder = new GeminiStreamDecoder("m");
          decoder.decode(
              event(
                  "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\""
                      + gemini
                      + "\"}]}"));
          List<UpstreamEvent> end = decoder.finish();
          assertThat(end.getFirst().finishReason()).as(gemini).isEqualTo(openAi);
          // no usage reported: no usage-only chunk, the gateway counts locally
          assertThat(end).extracting(UpstreamEvent::kind).containsExactly(Kind.CHUNK, Kind.DONE);
        });
  }

  @Test
  void aStreamThatEndsWithoutAFinishReasonWasCutOff() {
    GeminiStreamDecoder decoder = new GeminiStreamDecoder("m");
    decoder.decode(event("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The\"}]}}]}"));

    assertThatThrownBy(decoder::finish)
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.code()).isEqualTo("upstream_protocol_error");
            });
    assertThatThrownBy(new GeminiStreamDecoder("m")::finish).isInstanceOf(UpstreamException.class);
  }

  @Test
  void aBlockedPromptIsAContentFilterErrorBeforeAnyOutput() {
    GeminiStreamDecoder decoder = new GeminiStreamDecoder("m");

    assertThatThrownBy(
            () ->
                decoder.decode(
                    event(
                        "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":8}}")))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.type()).isEqualTo("invalid_request_error");
              assertThat(e.code()).isEqualTo("content_filter");
              assertThat(e.getMessage()).contains("SAFETY");
            });
  }

  @Test
  void anErrorEventFailsTheStreamWithTheUpstreamsWords() {
    GeminiStreamDecoder decoder = new GeminiStreamDecoder("m");

    assertThatThrownBy(
            () ->
                decoder.decode(
                    event(
                        "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}")))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.type()).isEqualTo("server_error");
              assertThat(e.code()).isEqualTo("unavailable");
              assertThat(e.getMessage()).isEqualTo("The model is overloaded.");
            });
  }

  @Test
  void malformedEventsAreProtocolErrors() {
    for (String data : List.of("{\"candidates\":[", "not json", "[1,2]")) {
      assertThatThrownBy(() -> new GeminiStreamDecoder("m").decode(event(data)))
          .as(data)
          .isInstanceOfSatisfying(
              UpstreamException.class,
              e -> assertThat(e.code()).isEqualTo("upstream_protocol_error"));
    }
  }

  @Test
  void commentsAndEmptyDataRelayNothing() {
    GeminiStreamDecoder decoder = new GeminiStreamDecoder("m");

    assertThat(decoder.decode(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(decoder.decode("data: \n\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void withoutAModelVersionTheUpstreamModelNamesTheChunks() {
    UpstreamEvent event =
        decodeOne("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]}}]}");

    assertThat(json(event).path("model").asString()).isEqualTo("m");
  }

  private static UpstreamEvent decodeOne(String data) {
    List<UpstreamEvent> events = new GeminiStreamDecoder("m").decode(event(data));
    assertThat(events).hasSize(1);
    return events.getFirst();
  }

  static byte[] event(String data) {
    return ("data: " + data + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }

  private static String numbers(int from, int to) {
    StringBuilder s = new StringBuilder();
    for (int i = from; i <= to; i++) {
      s.append(i).append(i < to ? "\n" : "");
    }
    return s.toString();
  }
}
