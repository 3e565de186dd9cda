package dev.tollgate.adapter.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEventTest {

  @Test
  void dataRangeOfASingleDataLine() {
    byte[] event = bytes("event: message_start\ndata: {\"a\":1}\n\n");

    int[] range = SseEvent.dataRange(event);

    assertThat(range).isNotNull();
    assertThat(new String(event, range[0], range[1], StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":1}");
    assertThat(SseEvent.name(event)).isEqualTo("message_start");
  }

  @Test
  void dataWithoutTheOptionalSpaceAndWithCrlf() {
    byte[] event = bytes("data:{\"a\":1}\r\n\r\n");

    int[] range = SseEvent.dataRange(event);

    assertThat(new String(event, range[0], range[1], StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":1}");
    assertThat(SseEvent.name(event)).isNull();
  }

  @Test
  void severalDataLinesHaveNoRangeAndAreJoinedByNewline() {
    byte[] event = bytes("data: first\ndata:second\n\n");

    assertThat(SseEvent.dataRange(event)).isNull();
    assertThat(new String(SseEvent.data(event), StandardCharsets.UTF_8)).isEqualTo("first\nsecond");
  }

  @Test
  void commentsAndFieldsWithoutDataHaveNoData() {
    for (String event : new String[] {": keep-alive\n\n", "id: 3\nretry: 1000\n\n"}) {
      assertThat(SseEvent.dataRange(bytes(event))).as(event).isNull();
      assertThat(SseEvent.data(bytes(event))).as(event).isNull();
    }
  }

  @Test
  void doneIsExactlyTheSentinel() {
    byte[] done = bytes("data: [DONE]\n\n");
    int[] range = SseEvent.dataRange(done);
    assertThat(SseEvent.isDone(done, range[0], range[1])).isTrue();

    for (String other :
        new String[] {"data: [DONE] \n\n", "data: [done]\n\n", "data: \"[DONE]\"\n\n"}) {
      byte[] event = bytes(other);
      int[] r = SseEvent.dataRange(event);
      assertThat(SseEvent.isDone(event, r[0], r[1])).as(other).isFalse();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
