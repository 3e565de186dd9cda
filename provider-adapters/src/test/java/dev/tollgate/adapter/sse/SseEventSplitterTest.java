package dev.tollgate.adapter.sse;

import static dev.tollgate.adapter.sse.SseStreams.latin1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.sse.SseEventSplitter.SseException;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SseEventSplitterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** How a test hands bytes to the splitter. */
  enum Feed {
    /**
     * A Netty buffer over the whole stream whose reader index is moved to the chunk, as a network
     * read may hand over a buffer that does not start at index 0.
     */
    BYTE_BUF {
      @Override
      List<byte[]> feed(SseEventSplitter splitter, byte[] bytes, int offset, int count) {
        return splitter.feed(Unpooled.wrappedBuffer(bytes).setIndex(offset, offset + count));
      }
    },
    BYTE_ARRAY {
      @Override
      List<byte[]> feed(SseEventSplitter splitter, byte[] bytes, int offset, int count) {
        return splitter.feed(bytes, offset, count);
      }
    };

    abstract List<byte[]> feed(SseEventSplitter splitter, byte[] bytes, int offset, int count);
  }

  static Stream<String> sseFixtures() {
    return Fixtures.allSse().stream();
  }

  static Stream<Arguments> fixturesChunkingsAndFeeds() {
    List<String> chunkings = List.of("1", "7", "random-11", "random-42", "random-2024");
    List<Arguments> args = new ArrayList<>();
    for (String fixture : Fixtures.allSse()) {
      for (String chunking : chunkings) {
        for (Feed feed : Feed.values()) {
          args.add(Arguments.of(fixture, chunking, feed));
        }
      }
    }
    return args.stream();
  }

  @ParameterizedTest
  @MethodSource("sseFixtures")
  void wholeFileSplitsLikeTheReference(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);

    List<byte[]> events = SseStreams.split(stream);

    assertThat(latin1(events)).isNotEmpty().isEqualTo(SseStreams.referenceSplit(stream));
  }

  @ParameterizedTest
  @MethodSource("sseFixtures")
  void eventsPutBackTogetherAreTheStream(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    String joined = String.join("", latin1(SseStreams.split(stream)));

    if (latin1(stream).matches("(?s).*\\r?\\n\\r?\\n")) {
      assertThat(joined).isEqualTo(latin1(stream));
    } else {
      // finish() adds the blank line the stream lacked, and nothing else
      assertThat(joined).isEqualTo(latin1(stream) + "\n\n");
    }
  }

  @ParameterizedTest(name = "{0} in chunks of {1} via {2}")
  @MethodSource("fixturesChunkingsAndFeeds")
  void chunkBoundariesDoNotChangeTheEvents(String fixture, String chunking, Feed feed) {
    byte[] stream = Fixtures.bytes(fixture);
    IntSupplier sizes = sizes(chunking);

    SseEventSplitter splitter = new SseEventSplitter(SseStreams.MAX_EVENT_BYTES);
    List<byte[]> events = new ArrayList<>();
    for (int offset = 0; offset < stream.length; ) {
      int count = Math.min(sizes.getAsInt(), stream.length - offset);
      events.addAll(feed.feed(splitter, stream, offset, count));
      offset += count;
    }
    events.addAll(splitter.finish());

    assertThat(latin1(events)).isEqualTo(latin1(SseStreams.split(stream)));
  }

  private static IntSupplier sizes(String chunking) {
    if (chunking.startsWith("random-")) {
      Random random = new Random(Long.parseLong(chunking.substring("random-".length())));
      // from 1 byte to more than most events, so that a read may hold several events
      return () -> 1 + random.nextInt(700);
    }
    int size = Integer.parseInt(chunking);
    return () -> size;
  }

  @ParameterizedTest
  @MethodSource("geminiFixtures")
  void crlfEventsKeepTheirLineEndsAndTheirDataExcludesTheCarriageReturn(String fixture) {
    byte[] stream = Fixtures.bytes(fixture);
    long dataLines = latin1(stream).lines().filter(l -> l.startsWith("data:")).count();

    List<byte[]> events = SseStreams.split(stream);

    assertThat(events).hasSize((int) dataLines);
    for (byte[] event : events) {
      assertThat(latin1(event)).endsWith("}\r\n\r\n").doesNotContain("\n\n");
      int[] range = SseEvent.dataRange(event);
      assertThat(range).isNotNull();
      String data = new String(event, range[0], range[1], StandardCharsets.UTF_8);
      assertThat(data).startsWith("{").endsWith("}");
      JsonNode json = JSON.readTree(data);
      assertThat(json.path("candidates").isArray()).isTrue();
    }
  }

  static Stream<String> geminiFixtures() {
    return Fixtures.list("gemini", ".sse").stream();
  }

  @Test
  void crlfBlankLineSplitAtAnyByteStillEndsTheEvent() {
    byte[] stream =
        "data: {\"a\":1}\r\n\r\ndata: {\"b\":2}\r\n\r\n".getBytes(StandardCharsets.UTF_8);

    for (int cut = 0; cut <= stream.length; cut++) {
      SseEventSplitter splitter = new SseEventSplitter(64);
      List<byte[]> events = new ArrayList<>(splitter.feed(stream, 0, cut));
      events.addAll(splitter.feed(stream, cut, stream.length - cut));

      assertThat(latin1(events))
          .as("cut at %d", cut)
          .containsExactly("data: {\"a\":1}\r\n\r\n", "data: {\"b\":2}\r\n\r\n");
      assertThat(splitter.finish()).as("cut at %d", cut).isEmpty();
    }
  }

  @Test
  void finishFlushesTheLastEventOfAStreamWithoutAFinalBlankLine() {
    byte[] stream = Fixtures.bytes("anthropic/messages_stream_text_basic.sse");
    SseEventSplitter splitter = new SseEventSplitter(SseStreams.MAX_EVENT_BYTES);

    List<byte[]> fed = splitter.feed(stream, 0, stream.length);
    List<byte[]> flushed = splitter.finish();

    assertThat(fed).isNotEmpty();
    assertThat(SseEvent.name(fed.getLast())).isEqualTo("message_delta");
    assertThat(latin1(flushed))
        .containsExactly("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    assertThat(SseEvent.name(flushed.getFirst())).isEqualTo("message_stop");
    assertThat(splitter.finish()).isEmpty();
  }

  @Test
  void finishReturnsNothingWhenOnlyALineEndIsLeft() {
    SseEventSplitter splitter = new SseEventSplitter(64);
    byte[] stream = "data: x\n\n\n".getBytes(StandardCharsets.UTF_8);

    assertThat(latin1(splitter.feed(stream, 0, stream.length))).containsExactly("data: x\n\n");
    assertThat(splitter.finish()).isEmpty();
  }

  @Test
  void commentLinesAreEventsWithoutData() {
    byte[] stream = Fixtures.bytes("openrouter/chat_stream_reasoning.sse");

    List<byte[]> events = SseStreams.split(stream);

    assertThat(latin1(events.getFirst())).isEqualTo(": OPENROUTER PROCESSING\n\n");
    List<byte[]> comments = events.stream().filter(e -> latin1(e).startsWith(":")).toList();
    assertThat(comments)
        .hasSize(4)
        .allSatisfy(
            e -> {
              assertThat(SseEvent.dataRange(e)).isNull();
              assertThat(SseEvent.data(e)).isNull();
            });
    // the comments sit between data events and do not swallow them
    assertThat(events.size() - comments.size())
        .isEqualTo((int) latin1(stream).lines().filter(l -> l.startsWith("data:")).count());
  }

  @Test
  void overLongEventWithoutEndIsRejected() {
    SseEventSplitter splitter = new SseEventSplitter(64);
    byte[] head = ("data: " + "x".repeat(58)).getBytes(StandardCharsets.UTF_8); // 64 bytes

    assertThat(splitter.feed(head, 0, head.length)).isEmpty(); // at the limit: still waiting
    assertThatThrownBy(() -> splitter.feed(new byte[] {'x'}, 0, 1))
        .isInstanceOf(SseException.class)
        .hasMessage("server-sent event longer than 64 bytes without an end");
  }

  @Test
  void eventOfExactlyTheLimitIsAccepted() {
    byte[] event = ("data: " + "x".repeat(56) + "\n\n").getBytes(StandardCharsets.UTF_8);
    assertThat(event).hasSize(64);

    for (int chunk : new int[] {1, 7, 64}) {
      SseEventSplitter splitter = new SseEventSplitter(64);
      List<byte[]> events = new ArrayList<>();
      for (int offset = 0; offset < event.length; offset += chunk) {
        events.addAll(splitter.feed(event, offset, Math.min(chunk, event.length - offset)));
      }
      assertThat(latin1(events)).as("chunks of %d", chunk).containsExactly(latin1(event));
    }
  }

  @Test
  void overLongEventIsRejectedEvenWhenItArrivesWholeInOneRead() {
    // The limit must not depend on how the network cut the stream: this 100-byte event is
    // rejected when it arrives byte by byte, so it must be rejected when it arrives in one read.
    byte[] event = ("data: " + "x".repeat(92) + "\n\n").getBytes(StandardCharsets.UTF_8);
    assertThat(event).hasSize(100);

    SseEventSplitter byteByByte = new SseEventSplitter(64);
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < event.length; i++) {
                byteByByte.feed(event, i, 1);
              }
            })
        .isInstanceOf(SseException.class)
        .hasMessageContaining("longer than 64 bytes");

    SseEventSplitter oneRead = new SseEventSplitter(64);
    assertThatThrownBy(() -> oneRead.feed(event, 0, event.length))
        .isInstanceOf(SseException.class)
        .hasMessageContaining("longer than 64 bytes");
  }

  @Test
  void eventOneByteOverTheLimitIsRejectedHoweverItIsCut() {
    // 65 bytes with its blank line; the limit counts the event as it is returned
    byte[] event = ("data: " + "x".repeat(57) + "\n\n").getBytes(StandardCharsets.UTF_8);
    assertThat(event).hasSize(65);

    for (int chunk : new int[] {1, 7, 64, 65}) {
      SseEventSplitter splitter = new SseEventSplitter(64);
      assertThatThrownBy(
              () -> {
                for (int offset = 0; offset < event.length; offset += chunk) {
                  splitter.feed(event, offset, Math.min(chunk, event.length - offset));
                }
              })
          .as("chunks of %d", chunk)
          .isInstanceOf(SseException.class)
          .hasMessageContaining("longer than 64 bytes");
    }
  }

  @Test
  void theLimitIsPerEventNotPerRead() {
    byte[] stream = Fixtures.bytes("openai/responses_stream_reasoning_summary.sse");
    int longest = SseStreams.split(stream).stream().mapToInt(e -> e.length).max().orElseThrow();
    assertThat(longest).isLessThan(stream.length / 10);

    SseEventSplitter splitter = new SseEventSplitter(longest);
    List<byte[]> events = new ArrayList<>(splitter.feed(stream, 0, stream.length));
    events.addAll(splitter.finish());

    assertThat(events).hasSize(676);
  }

  @Test
  void rejectsANonPositiveLimit() {
    assertThatThrownBy(() -> new SseEventSplitter(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEventBytes: 0 (expected: > 0)");
  }
}
