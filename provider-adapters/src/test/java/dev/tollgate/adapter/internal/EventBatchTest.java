package dev.tollgate.adapter.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The two policies of one network read's events: joined plain chunks (OpenAI, Anthropic) or one
 * event per decoded event (Gemini). Raw events here are decoded by a stand-in decoder whose raw
 * event names what it becomes.
 */
class EventBatchTest {

  private static final TokenUsage USAGE = new TokenUsage(3, 2, 0, 0);

  /**
   * {@code text:<t>}, {@code stop:<t>}, {@code usage}, {@code comment}, {@code done}, {@code boom}.
   */
  private static final class Decoder implements EventDecoder {
    @Override
    public List<UpstreamEvent> decode(byte[] raw) {
      String s = new String(raw, StandardCharsets.UTF_8);
      String arg = s.contains(":") ? s.substring(s.indexOf(':') + 1) : null;
      return switch (s.contains(":") ? s.substring(0, s.indexOf(':')) : s) {
        case "text" -> List.of(new UpstreamEvent(raw, Kind.CHUNK, arg, null, null, null));
        case "think" -> List.of(new UpstreamEvent(raw, Kind.CHUNK, null, arg, null, null));
        case "stop" -> List.of(new UpstreamEvent(raw, Kind.CHUNK, arg, null, null, "stop"));
        case "native" -> List.of(new UpstreamEvent(raw, Kind.NATIVE, arg, null, null, null));
        case "usage" -> List.of(new UpstreamEvent(raw, Kind.USAGE_ONLY, null, null, USAGE, null));
        case "comment" -> List.of(UpstreamEvent.of(raw, Kind.COMMENT));
        case "done" -> List.of(UpstreamEvent.of(raw, Kind.DONE));
        default -> throw UpstreamException.protocol("bad event", null);
      };
    }

    @Override
    public List<UpstreamEvent> finish() {
      return List.of(UpstreamEvent.of("end".getBytes(StandardCharsets.UTF_8), Kind.DONE));
    }
  }

  private static List<byte[]> raw(String... events) {
    List<byte[]> out = new ArrayList<>();
    for (String e : events) {
      out.add(e.getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static List<String> bytes(Iterable<UpstreamEvent> events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(new String(e.bytes(), StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  void joinedChunksTravelAsOneEventAndWhatTheRelayTreatsOnItsOwnStaysApart() {
    EventBatch batch =
        EventBatch.of(
            raw("comment", "text:a", "think:b", "stop:c", "usage", "text:d", "done"),
            new Decoder(),
            Coalescing.JOIN_CHUNKS);

    List<UpstreamEvent> events = new ArrayList<>();
    batch.forEach(events::add);
    assertThat(bytes(events))
        .containsExactly("comment", "text:athink:bstop:c", "usage", "text:d", "done");
    UpstreamEvent joined = events.get(1);
    assertThat(joined.kind()).isEqualTo(Kind.CHUNK);
    assertThat(joined.text()).isEqualTo("ac");
    assertThat(joined.reasoning()).isEqualTo("b");
    assertThat(joined.finishReason()).isEqualTo("stop");
    assertThat(joined.usage()).isNull();
    assertThat(events.get(3).text()).isEqualTo("d"); // a run of one is the event itself
  }

  @Test
  void onePerEventKeepsTheUpstreamsGranularity() {
    EventBatch batch =
        EventBatch.last(raw("text:a", "text:b", "usage"), new Decoder(), Coalescing.ONE_PER_EVENT);

    assertThat(bytes(batch)).containsExactly("text:a", "text:b", "usage", "end");
  }

  @Test
  void plainEventsOfTwoKindsAreNeverJoined() {
    EventBatch batch =
        EventBatch.of(raw("native:a", "native:b", "text:c"), new Decoder(), Coalescing.JOIN_CHUNKS);

    assertThat(bytes(batch)).containsExactly("native:anative:b", "text:c");
  }

  @Test
  void aFailureComesAfterTheEventsDecodedBeforeItWhateverThePolicy() {
    for (Coalescing coalescing : Coalescing.values()) {
      EventBatch batch =
          EventBatch.last(raw("text:a", "text:b", "boom", "text:c"), new Decoder(), coalescing);

      List<String> seen = new ArrayList<>();
      assertThatThrownBy(() -> batch.forEach(e -> seen.add(e.text())))
          .isInstanceOf(UpstreamException.class)
          .hasMessage("bad event");
      assertThat(String.join("", seen)).as(coalescing.name()).isEqualTo("ab");
    }
  }
}
