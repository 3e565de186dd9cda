package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.anthropic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.Call;
import dev.tollgate.adapter.anthropic.AnthropicFixtureStreams.Transcript;
import dev.tollgate.adapter.internal.EventBatch;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import dev.tollgate.adapter.sse.SseEventSplitter;
import dev.tollgate.adapter.sse.SseStreams;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;

/**
 * The pass-through stream: every recorded Anthropic stream, cut into reads anywhere, comes out byte
 * for byte as it went in, and the metering facts read on the way match what the recording says
 * (read independently by {@link AnthropicFixtureStreams}).
 */
class AnthropicNativeScannerTest {

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

  /**
   * The stream cut into reads at {@code cuts}, through the splitter and {@link EventBatch} as the
   * adapter batches them.
   */
  static List<UpstreamEvent> scan(byte[] stream, List<Integer> cuts) {
    SseEventSplitter splitter = new SseEventSplitter(SseStreams.MAX_EVENT_BYTES);
    AnthropicNativeScanner scanner = new AnthropicNativeScanner();
    List<Flux<UpstreamEvent>> reads = new ArrayList<>();
    int from = 0;
    List<Integer> ends = new ArrayList<>(cuts);
    ends.add(stream.length);
    for (int end : ends) {
      reads.add(
          Flux.fromIterable(
              EventBatch.of(
                  splitter.feed(stream, from, end - from), scanner, Coalescing.JOIN_CHUNKS)));
      from = end;
    }
    reads.add(
        Flux.fromIterable(EventBatch.last(splitter.finish(), scanner, Coalescing.JOIN_CHUNKS)));
    return Flux.concat(reads).collectList().block(java.time.Duration.ofSeconds(5));
  }

  private static byte[] joined(List<UpstreamEvent> events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events.forEach(e -> out.writeBytes(e.bytes()));
    return out.toByteArray();
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void readOneByteAtATimeTheStreamIsRelayedByteForByteAndMetered(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    List<Integer> everyByte = new ArrayList<>();
    for (int i = 1; i < stream.length; i++) {
      everyByte.add(i);
    }

    List<UpstreamEvent> events = scan(stream, everyByte);

    assertThat(events).allSatisfy(e -> assertThat(e.kind()).isEqualTo(Kind.NATIVE));
    assertThat(joined(events)).isEqualTo(relayed(stream));
    Transcript expected = anthropic(stream);
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    for (UpstreamEvent e : events) {
      text.append(e.text() == null ? "" : e.text());
      reasoning.append(e.reasoning() == null ? "" : e.reasoning());
    }
    StringBuilder generated = new StringBuilder(expected.text());
    for (Call call : expected.calls()) {
      generated.append(call.name()).append(call.arguments());
    }
    // text and tool calls are counted in stream order: compare the characters, not their order
    assertThat(sorted(text.toString())).isEqualTo(sorted(generated.toString()));
    assertThat(reasoning.toString()).isEqualTo(expected.reasoning());
    List<UpstreamEvent> withUsage = events.stream().filter(e -> e.usage() != null).toList();
    assertThat(withUsage).hasSize(1);
    assertThat(withUsage.getFirst().usage()).isEqualTo(USAGE.get(fixture));
    assertThat(withUsage.getFirst().finishReason())
        .isEqualTo(AnthropicWire.finishReason(expected.finish()));
    assertThat(new String(withUsage.getFirst().bytes(), StandardCharsets.UTF_8))
        .startsWith("event: message_delta\n");
  }

  @ParameterizedTest
  @MethodSource("messageStreams")
  void cutInTwoAnywhereTheStreamIsRelayedByteForByte(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    int step = stream.length > 4000 ? 97 : 1;
    for (int cut = 1; cut < stream.length; cut += step) {
      List<UpstreamEvent> events = scan(stream, List.of(cut));
      assertThat(joined(events)).as("cut at %d", cut).isEqualTo(relayed(stream));
      assertThat(events.stream().filter(e -> e.usage() != null).map(UpstreamEvent::usage))
          .containsExactly(USAGE.get(fixture));
    }
  }

  @Test
  void cacheReadsAndWritesArePromptTokensAndReadsAreCached() {
    String stream =
        """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"usage":{"input_tokens":7,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":1}}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":12}}

        event: message_stop
        data: {"type":"message_stop"}

        """;
    List<UpstreamEvent> events = scan(stream.getBytes(StandardCharsets.UTF_8), List.of());

    assertThat(events.stream().filter(e -> e.usage() != null).map(UpstreamEvent::usage))
        .containsExactly(new TokenUsage(1207, 12, 1000, 0, 200, 0));
  }

  @Test
  void anErrorEventFailsTheStreamAfterTheEventsBeforeIt() {
    byte[] stream = Fixtures.bytes("anthropic/stream_error_overloaded.sse");
    SseEventSplitter splitter = new SseEventSplitter(SseStreams.MAX_EVENT_BYTES);
    AnthropicNativeScanner scanner = new AnthropicNativeScanner();

    assertThatThrownBy(
            () -> {
              for (byte[] event : splitter.feed(stream, 0, stream.length)) {
                scanner.decode(event);
              }
            })
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(503));
  }

  @Test
  void aStreamThatEndsBeforeMessageStopFails() {
    byte[] stream = Fixtures.bytes("anthropic/messages_stream_text_basic.sse");
    String text = new String(stream, StandardCharsets.UTF_8);
    byte[] head = text.substring(0, text.indexOf("event: message_stop")).getBytes();

    assertThatThrownBy(() -> scan(head, List.of()))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> assertThat(e.getMessage()).contains("closed the stream before it finished"));
  }

  /**
   * What the client gets: the stream as it came, but a last event without its blank line gets one
   * (the splitter completes it, as some servers omit it).
   */
  private static byte[] relayed(byte[] stream) {
    String text = new String(stream, StandardCharsets.UTF_8);
    return text.endsWith("\n\n")
        ? stream
        : (text.stripTrailing() + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static String sorted(String s) {
    return s.chars()
        .sorted()
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }
}
