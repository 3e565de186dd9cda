package dev.tollgate.adapter.openai;

import static dev.tollgate.adapter.openai.OpenAiFixtureStreams.count;
import static dev.tollgate.adapter.openai.OpenAiFixtureStreams.decodeAll;
import static dev.tollgate.adapter.openai.OpenAiFixtureStreams.expectedOutput;
import static dev.tollgate.adapter.openai.OpenAiFixtureStreams.indexesWhere;
import static dev.tollgate.adapter.openai.OpenAiFixtureStreams.json;
import static dev.tollgate.adapter.sse.SseStreams.latin1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.openai.OpenAiFixtureStreams.Decoded;
import dev.tollgate.adapter.openai.OpenAiFixtureStreams.Expected;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Decodes every recorded OpenAI-dialect stream and checks the decoder against facts read
 * independently from the same fixture with a Jackson tree ({@link OpenAiFixtureStreams}).
 */
class OpenAiStreamDecoderTest {

  /** What each recorded OpenAI stream reports, as the fixtures README and the files say. */
  private static final Map<String, Reported> OPENAI =
      Map.of(
          "openai/chat_stream_text_include_usage.sse",
          new Reported(new TokenUsage(14, 30, 0, 0), "stop"),
          "openai/chat_stream_text_include_usage_2026.sse",
          new Reported(new TokenUsage(78, 9, 0, 0), "stop"),
          "openai/chat_stream_tool_call.sse",
          new Reported(new TokenUsage(44, 16, 0, 0), "tool_calls"),
          "openai/chat_stream_tool_call_2026.sse",
          new Reported(new TokenUsage(53, 15, 0, 0), "tool_calls"),
          "openai/chat_stream_parallel_tool_calls.sse",
          new Reported(new TokenUsage(149, 60, 0, 0), "tool_calls"),
          // The Responses API has no finish_reason; response.completed carries the usage.
          "openai/responses_stream_text.sse",
          new Reported(new TokenUsage(20, 10, 0, 0), null),
          "openai/responses_stream_reasoning_summary.sse",
          new Reported(new TokenUsage(13, 1680, 0, 1408), null));

  record Reported(TokenUsage usage, @Nullable String finishReason) {}

  static Stream<String> openAiStreams() {
    return Fixtures.list("openai", ".sse").stream();
  }

  @Test
  void everyOpenAiStreamFixtureHasItsReportedUsageWrittenDown() {
    assertThat(OPENAI.keySet())
        .containsExactlyInAnyOrderElementsOf(Fixtures.list("openai", ".sse"));
  }

  @ParameterizedTest
  @MethodSource("openAiStreams")
  void reportsTheUsageTheUpstreamReportedOnceAndOnlyInItsLastDataEvent(String fixture) {
    List<Decoded> events = decodeAll(fixture);
    Reported reported = OPENAI.get(fixture);

    List<Integer> withUsage = indexesWhere(events, d -> d.decoded().usage() != null);
    assertThat(withUsage).hasSize(1);
    assertThat(events.get(withUsage.getFirst()).decoded().usage()).isEqualTo(reported.usage);

    int lastData = fixture.contains("/chat_") ? events.size() - 2 : events.size() - 1;
    assertThat(withUsage.getFirst()).isEqualTo(lastData);
  }

  @ParameterizedTest
  @MethodSource("openAiStreams")
  void usageMatchesTheJsonTree(String fixture) {
    List<Decoded> events = decodeAll(fixture);

    for (Decoded d : events) {
      JsonNode json = json(d.event());
      JsonNode usage = json == null ? null : json.path("usage");
      if (usage == null || !usage.isObject()) {
        usage = json == null ? null : json.path("response").path("usage"); // Responses API
      }
      if (usage == null || !usage.isObject()) {
        assertThat(d.decoded().usage()).as(latin1(d.event())).isNull();
        continue;
      }
      boolean chat = usage.has("prompt_tokens");
      TokenUsage expected =
          new TokenUsage(
              usage.path(chat ? "prompt_tokens" : "input_tokens").asLong(),
              usage.path(chat ? "completion_tokens" : "output_tokens").asLong(),
              usage
                  .path(chat ? "prompt_tokens_details" : "input_tokens_details")
                  .path("cached_tokens")
                  .asLong(0),
              usage
                  .path(chat ? "completion_tokens_details" : "output_tokens_details")
                  .path("reasoning_tokens")
                  .asLong(0));
      assertThat(d.decoded().usage()).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @MethodSource("openAiStreams")
  void kindsAreChunksThenTheUsageOnlyChunkThenDone(String fixture) {
    List<Decoded> events = decodeAll(fixture);
    List<Kind> kinds = events.stream().map(d -> d.decoded().kind()).toList();

    if (fixture.contains("/chat_")) {
      int n = events.size();
      assertThat(kinds.subList(0, n - 2)).containsOnly(Kind.CHUNK);
      assertThat(kinds.subList(n - 2, n)).containsExactly(Kind.USAGE_ONLY, Kind.DONE);
      assertThat(latin1(events.getLast().event())).isEqualTo("data: [DONE]\n\n");
      // the usage-only chunk is the one with "choices":[] in the tree
      JsonNode usageOnly = json(events.get(n - 2).event());
      assertThat(usageOnly.path("choices").isArray()).isTrue();
      assertThat(usageOnly.path("choices").isEmpty()).isTrue();
      assertThat(usageOnly.path("usage").isObject()).isTrue();
    } else {
      // Responses API streams have no [DONE] and no usage-only chunk
      assertThat(kinds).containsOnly(Kind.CHUNK);
    }
  }

  @ParameterizedTest
  @MethodSource("openAiStreams")
  void finishReasonIsTheOneTheUpstreamSent(String fixture) {
    List<Decoded> events = decodeAll(fixture);
    String expected = OPENAI.get(fixture).finishReason;

    List<Integer> withFinish = indexesWhere(events, d -> d.decoded().finishReason() != null);
    if (expected == null) {
      assertThat(withFinish).isEmpty();
      return;
    }
    assertThat(withFinish).hasSize(1);
    Decoded finish = events.get(withFinish.getFirst());
    assertThat(finish.decoded().finishReason()).isEqualTo(expected);
    assertThat(json(finish.event()).path("choices").path(0).path("finish_reason").asString())
        .isEqualTo(expected);
    // the finish chunk comes right before the usage-only chunk
    assertThat(withFinish.getFirst()).isEqualTo(events.size() - 3);
  }

  @ParameterizedTest
  @MethodSource("openAiStreams")
  void textAndReasoningOfEveryEventAreWhatTheTreeHolds(String fixture) {
    List<Decoded> events = decodeAll(fixture);

    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    for (Decoded d : events) {
      Expected expected = expectedOutput(json(d.event()));
      assertThat(d.decoded().text()).as("text of %s", latin1(d.event())).isEqualTo(expected.text());
      assertThat(d.decoded().reasoning())
          .as("reasoning of %s", latin1(d.event()))
          .isEqualTo(expected.reasoning());
      text.append(Objects.requireNonNullElse(d.decoded().text(), ""));
      reasoning.append(Objects.requireNonNullElse(d.decoded().reasoning(), ""));
    }
    assertThat(text).isNotEmpty();
    if (fixture.endsWith("reasoning_summary.sse")) {
      assertThat(reasoning).isNotEmpty();
      assertThat(count(events, d -> d.decoded().reasoning() != null)).isEqualTo(383);
      assertThat(count(events, d -> d.decoded().text() != null)).isEqualTo(271);
    } else {
      assertThat(reasoning).isEmpty();
    }
  }

  @Test
  void toolCallTextIsTheFunctionNameAndTheArgumentsAsStreamed() {
    List<Decoded> events = decodeAll("openai/chat_stream_tool_call.sse");

    String text =
        events.stream()
            .map(d -> d.decoded().text())
            .filter(Objects::nonNull)
            .reduce("", String::concat);

    assertThat(text).isEqualTo("get_weather{\"city\":\"New York City\"}");
  }

  @Test
  void responsesTextIsTheOutputTextOfTheCompletedResponse() {
    List<Decoded> events = decodeAll("openai/responses_stream_text.sse");

    String text =
        events.stream()
            .map(d -> d.decoded().text())
            .filter(Objects::nonNull)
            .reduce("", String::concat);

    assertThat(text).isEqualTo("2+2 = 4");
  }

  @ParameterizedTest
  @MethodSource("openAiCompatibleStreams")
  void relayedBytesAreTheEventBytes(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    List<Decoded> events = decodeAll(fixture);

    StringBuilder relayed = new StringBuilder();
    for (Decoded d : events) {
      assertThat(d.decoded().bytes()).isSameAs(d.event()); // not even a copy
      relayed.append(latin1(d.decoded().bytes()));
    }
    assertThat(relayed.toString()).isEqualTo(latin1(stream));
  }

  static Stream<String> openAiCompatibleStreams() {
    return Stream.concat(
        openAiStreams(),
        Stream.of(
            "mistral/chat_stream_magistral_thinking.sse", "openrouter/chat_stream_reasoning.sse"));
  }

  @Test
  void mistralThinkingArraysAreReasoningAndUsageStaysInTheLastContentChunk() {
    List<Decoded> events = decodeAll("mistral/chat_stream_magistral_thinking.sse");
    int n = events.size();

    assertThat(events.getLast().decoded().kind()).isEqualTo(Kind.DONE);
    assertThat(events.subList(0, n - 1))
        .allSatisfy(d -> assertThat(d.decoded().kind()).isEqualTo(Kind.CHUNK));

    UpstreamEvent last = events.get(n - 2).decoded();
    assertThat(last.kind()).isEqualTo(Kind.CHUNK);
    assertThat(last.finishReason()).isEqualTo("stop");
    assertThat(last.usage()).isEqualTo(new TokenUsage(10, 232, 0, 0));
    assertThat(indexesWhere(events, d -> d.decoded().usage() != null)).containsExactly(n - 2);

    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    StringBuilder expectedText = new StringBuilder();
    StringBuilder expectedReasoning = new StringBuilder();
    for (Decoded d : events) {
      text.append(Objects.requireNonNullElse(d.decoded().text(), ""));
      reasoning.append(Objects.requireNonNullElse(d.decoded().reasoning(), ""));
      Expected e = expectedOutput(json(d.event()));
      expectedText.append(Objects.requireNonNullElse(e.text(), ""));
      expectedReasoning.append(Objects.requireNonNullElse(e.reasoning(), ""));
    }
    assertThat(reasoning.toString())
        .startsWith("Okay, the user is")
        .isEqualTo(expectedReasoning.toString());
    assertThat(text.toString())
        .endsWith(" ensure a safe crossing.")
        .isEqualTo(expectedText.toString());
    // thinking chunks carry no text, answer chunks no reasoning
    assertThat(events)
        .allSatisfy(
            d ->
                assertThat(d.decoded().text() == null || d.decoded().reasoning() == null).isTrue());
  }

  @Test
  void openRouterCommentsAreCommentsAndReasoningIsCountedOnce() {
    List<Decoded> events = decodeAll("openrouter/chat_stream_reasoning.sse");

    List<Integer> comments = indexesWhere(events, d -> d.decoded().kind() == Kind.COMMENT);
    List<Integer> expectedComments =
        indexesWhere(events, d -> latin1(d.event()).equals(": OPENROUTER PROCESSING\n\n"));
    assertThat(comments).hasSize(4).isEqualTo(expectedComments);
    for (int i : comments) {
      UpstreamEvent comment = events.get(i).decoded();
      assertThat(comment.text()).isNull();
      assertThat(comment.reasoning()).isNull();
      assertThat(comment.usage()).isNull();
      assertThat(comment.finishReason()).isNull();
    }
    assertThat(events.getLast().decoded().kind()).isEqualTo(Kind.DONE);

    String reasoning =
        events.stream()
            .map(d -> d.decoded().reasoning())
            .filter(Objects::nonNull)
            .reduce("", String::concat);
    String text =
        events.stream()
            .map(d -> d.decoded().text())
            .filter(Objects::nonNull)
            .reduce("", String::concat);
    // delta.reasoning only: the same words repeated in reasoning_details must not count twice
    assertThat(reasoning).isEqualTo("This is a simple arithmetic question. 2+2 equals 4.");
    assertThat(text).isEqualTo("2 + 2 = 4");

    assertThat(indexesWhere(events, d -> "stop".equals(d.decoded().finishReason())))
        .containsExactly(16);
    // usage sits in a chunk with a non-empty choices array, after the finish chunk
    UpstreamEvent usage = events.get(17).decoded();
    assertThat(usage.kind()).isEqualTo(Kind.CHUNK);
    assertThat(usage.usage()).isEqualTo(new TokenUsage(43, 36, 0, 13));
    assertThat(indexesWhere(events, d -> d.decoded().usage() != null)).containsExactly(17);
  }

  @Test
  void inStreamErrorEventFailsWithTheUpstreamsWords() {
    byte[] event =
        ("data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}\n\n")
            .getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> OpenAiStreamDecoder.decode(event))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.type()).isEqualTo("server_error");
              assertThat(e.code()).isEqualTo("overloaded");
              assertThat(e.param()).isNull();
              assertThat(e.getMessage())
                  .isEqualTo("The server had an error while processing your request.");
            });
  }

  @Test
  void responsesErrorAndFailedEventsFail() {
    byte[] error =
        ("event: error\ndata: {\"type\":\"error\",\"code\":\"ERR_SOMETHING\","
                + "\"message\":\"Something went wrong\",\"param\":null,\"sequence_number\":1}\n\n")
            .getBytes(StandardCharsets.UTF_8);
    byte[] failed =
        ("event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":"
                + "\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}}\n\n")
            .getBytes(StandardCharsets.UTF_8);

    for (byte[] event : List.of(error, failed)) {
      assertThatThrownBy(() -> OpenAiStreamDecoder.decode(event))
          .as(latin1(event))
          .isInstanceOfSatisfying(
              UpstreamException.class, e -> assertThat(e.status()).isEqualTo(502));
    }
  }

  @Test
  void aNullErrorFieldIsNotAnError() {
    byte[] event =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],\"error\":null}\n\n"
            .getBytes(StandardCharsets.UTF_8);

    UpstreamEvent decoded = OpenAiStreamDecoder.decode(event);

    assertThat(decoded.kind()).isEqualTo(Kind.CHUNK);
    assertThat(decoded.text()).isEqualTo("hi");
  }

  @Test
  void anEmptyDataLineIsAKeepAliveNotAnError() {
    byte[] event = "data: \n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThat(OpenAiStreamDecoder.decode(event).kind()).isEqualTo(UpstreamEvent.Kind.COMMENT);
  }

  @Test
  void malformedJsonIsAProtocolError() {
    List<String> malformed =
        List.of(
            "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}\n\n", // cut off
            "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]]}\n\n", // bad nesting
            "data: not json\n\n",
            "data: [1,2]\n\n"); // JSON, but not an object
    for (String event : malformed) {
      assertThatThrownBy(() -> OpenAiStreamDecoder.decode(event.getBytes(StandardCharsets.UTF_8)))
          .as(event)
          .isInstanceOfSatisfying(
              UpstreamException.class,
              e -> {
                assertThat(e.status()).isEqualTo(502);
                assertThat(e.type()).isEqualTo("upstream_error");
                assertThat(e.code()).isEqualTo("upstream_protocol_error");
              });
    }
  }

  @Test
  void severalDataLinesAreJoinedButRelayedAsSent() {
    String event =
        "id: 7\ndata: {\"choices\":[{\"index\":0,\"delta\":\ndata: {\"content\":\"hi\"},"
            + "\"finish_reason\":null}]}\n\n";
    byte[] bytes = event.getBytes(StandardCharsets.UTF_8);

    UpstreamEvent decoded = OpenAiStreamDecoder.decode(bytes);

    assertThat(decoded.kind()).isEqualTo(Kind.CHUNK);
    assertThat(decoded.text()).isEqualTo("hi");
    assertThat(decoded.bytes()).isSameAs(bytes);
  }

  @Test
  void crlfEventsAndDoneWithoutSpaceDecode() {
    UpstreamEvent chunk =
        OpenAiStreamDecoder.decode(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(chunk.text()).isEqualTo("hi");

    for (String done : List.of("data: [DONE]\r\n\r\n", "data:[DONE]\n\n")) {
      assertThat(OpenAiStreamDecoder.decode(done.getBytes(StandardCharsets.UTF_8)).kind())
          .as(done)
          .isEqualTo(Kind.DONE);
    }
  }
}
