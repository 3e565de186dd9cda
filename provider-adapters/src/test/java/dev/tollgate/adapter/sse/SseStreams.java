package dev.tollgate.adapter.sse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helpers to cut recorded streams into events. */
public final class SseStreams {

  /** Large enough for every fixture; the limit itself is tested in SseEventSplitterTest. */
  public static final int MAX_EVENT_BYTES = 1 << 20;

  /** An event: anything up to and including the first blank line ({@code \r?\n\r?\n}). */
  private static final Pattern EVENT = Pattern.compile("(?s).*?\\r?\\n\\r?\\n");

  private SseStreams() {}

  /** The stream cut by {@link SseEventSplitter}, fed in one read, then finished. */
  public static List<byte[]> split(byte[] stream) {
    SseEventSplitter splitter = new SseEventSplitter(MAX_EVENT_BYTES);
    List<byte[]> events = new ArrayList<>(splitter.feed(stream, 0, stream.length));
    events.addAll(splitter.finish());
    return events;
  }

  /**
   * The stream cut by a regular expression, independently of {@link SseEventSplitter}. A rest
   * without a final blank line becomes a last event ending in {@code \n\n}, as the splitter's
   * {@code finish()} documents.
   */
  public static List<String> referenceSplit(byte[] stream) {
    String s = latin1(stream);
    List<String> events = new ArrayList<>();
    Matcher m = EVENT.matcher(s);
    int end = 0;
    while (m.find()) {
      events.add(m.group());
      end = m.end();
    }
    String rest = s.substring(end).replaceAll("[\\r\\n]+$", "");
    if (!rest.isEmpty()) {
      events.add(rest + "\n\n");
    }
    return events;
  }

  /** Bytes as a string of the same length, one char per byte, for exact and readable diffs. */
  public static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  public static List<String> latin1(List<byte[]> events) {
    return events.stream().map(SseStreams::latin1).toList();
  }
}
