package dev.tollgate.gateway.messages;

import static dev.tollgate.gateway.messages.EncoderHarness.types;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.messages.EncoderHarness.Sse;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Native Anthropic events through {@link MessagesRelayEncoder}: passed through as they came, the
 * usage event with its cost, and the gateway's own endings (cut-off, failure) as on the translated
 * path.
 */
class MessagesPassThroughEncoderTest {

  private final EncoderHarness harness = new EncoderHarness();
  private final MessagesRelayEncoder encoder =
      new MessagesRelayEncoder(
          harness.encoder, new MessagesPassThroughEncoder(EncoderHarness.TAB, harness.meter));
  private final StringBuilder out = new StringBuilder();

  /** A native event as the adapter's scanner makes it: text, thinking and usage read. */
  private static UpstreamEvent nativeEvent(String raw) {
    byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
    JsonNode data = Json.MAPPER.readTree(raw.substring(raw.indexOf("data: ") + 6).trim());
    JsonNode delta = data.path("delta");
    String text = delta.path("text").isString() ? delta.path("text").asString() : null;
    String thinking = delta.path("thinking").isString() ? delta.path("thinking").asString() : null;
    if (data.path("type").asString().equals("message_delta")) {
      TokenUsage usage =
          new TokenUsage(43, data.path("usage").path("output_tokens").asLong(), 0, 0);
      return new UpstreamEvent(bytes, Kind.NATIVE, null, null, usage, "stop");
    }
    return new UpstreamEvent(bytes, Kind.NATIVE, text, thinking, null, null);
  }

  private void feed(String raw) {
    UpstreamEvent event = nativeEvent(raw);
    assertThat(harness.meter.onEvent(event).block()).isSameAs(event);
    byte[] bytes = encoder.encode(event);
    if (bytes != null) {
      out.append(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private void append(byte[] bytes) {
    if (bytes != null) {
      out.append(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  @Test
  void everyEventPassesAsItCameAndTheUsageEventGetsItsCost() {
    List<String> events =
        FakeUpstream.events(Fixtures.read("anthropic/messages_stream_thinking.sse"));
    events.forEach(this::feed);
    append(encoder.end());

    List<Sse> sent = EncoderHarness.parse(out.toString());
    List<Sse> expected = EncoderHarness.parse(String.join("", events));
    assertThat(sent).hasSameSizeAs(expected);
    for (int i = 0; i < sent.size(); i++) {
      if (expected.get(i).type().equals("message_delta")) {
        ObjectNode usage = (ObjectNode) sent.get(i).data().path("usage");
        // 43 prompt tokens at 10, 282 output tokens at 20 nano-units
        assertThat(usage.remove("cost").decimalValue()).isEqualByComparingTo("0.00000607");
        assertThat(sent.get(i).data()).isEqualTo(expected.get(i).data());
      } else {
        assertThat(out.toString()).contains(events.get(i)); // byte for byte
      }
    }
  }

  @Test
  void aCutOffClosesTheOpenBlockAndEndsWithMaxTokensAndANote() {
    List<String> events = FakeUpstream.events(Fixtures.read("anthropic/messages_stream_text.sse"));
    List<String> head = new ArrayList<>();
    for (String e : events) {
      if (e.contains("content_block_delta")) {
        head.add(e);
        break;
      }
      head.add(e);
    }
    head.forEach(this::feed);
    append(encoder.cutOff());

    List<Sse> sent = EncoderHarness.parse(out.toString());
    assertThat(out.toString()).startsWith(String.join("", head));
    assertThat(types(sent).subList(head.size(), sent.size()))
        .containsExactly("content_block_stop", "message_delta", "message_stop");
    assertThat(sent.get(head.size()).data().path("index").asInt()).isZero();
    JsonNode delta = sent.get(head.size() + 1).data();
    assertThat(delta.path("delta").path("stop_reason").asString()).isEqualTo("max_tokens");
    assertThat(delta.path("error_note").path("type").asString()).isEqualTo("insufficient_balance");
    assertThat(delta.path("usage").path("input_tokens").asLong())
        .isEqualTo(EncoderHarness.PROMPT_ESTIMATE);
  }

  @Test
  void aCutOffBetweenBlocksClosesNone() {
    List<String> events = FakeUpstream.events(Fixtures.read("anthropic/messages_stream_text.sse"));
    int stop = indexOf(events, "content_block_stop");
    events.subList(0, stop + 1).forEach(this::feed);
    append(encoder.cutOff());

    List<Sse> sent = EncoderHarness.parse(out.toString());
    assertThat(types(sent).subList(stop + 1, sent.size()))
        .containsExactly("message_delta", "message_stop");
  }

  @Test
  void aFailureMidStreamEndsWithWhatWasChargedThenAnErrorEvent() {
    feed(FakeUpstream.events(Fixtures.read("anthropic/messages_stream_text.sse")).getFirst());
    append(encoder.error(UpstreamException.unavailable("upstream stream failed", null)));

    List<Sse> sent = EncoderHarness.parse(out.toString());
    assertThat(types(sent)).containsExactly("message_start", "message_delta", "error");
    JsonNode delta = sent.get(1).data();
    assertThat(delta.path("delta").path("stop_reason").isNull()).isTrue();
    // the prompt estimate, nothing generated yet: 7 x 10 nano-units
    assertThat(delta.path("usage").path("input_tokens").asLong())
        .isEqualTo(EncoderHarness.PROMPT_ESTIMATE);
    assertThat(delta.path("usage").path("cost").decimalValue())
        .isEqualByComparingTo(new BigDecimal("0.00000007"));
  }

  @Test
  void aCutOffBeforeAnyEventIsTheTranslatedStreamsWholeEnding() {
    append(encoder.cutOff());

    assertThat(types(EncoderHarness.parse(out.toString())))
        .containsExactly("message_start", "message_delta", "message_stop");
  }

  private static int indexOf(List<String> events, String type) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).startsWith("event: " + type)) {
        return i;
      }
    }
    throw new AssertionError("no " + type);
  }
}
